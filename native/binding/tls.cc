// The OpenSSL side of native TLS (see tls.h). Compiled with native socket
// I/O (TACHYON_NATIVE_IO); without Node's OpenSSL headers (no
// TACHYON_NATIVE_TLS) every TLS call says no, and TypeScript serves TLS
// connections with Node's tls module instead.
#ifdef TACHYON_NATIVE_IO
#include "binding/tls.h"

#ifdef TACHYON_NATIVE_TLS

#include <errno.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <strings.h>

#include <cstdio>
#include <cstring>

namespace tachyon {

namespace {

constexpr int kProtoTls1 = 1, kProtoTls11 = 2, kProtoTls12 = 4, kProtoTls13 = 8;

std::string LastError() {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return buf;
}

// tls-protocols: a space-separated list; unset means TLSv1.2 and TLSv1.3.
int ParseProtocols(const std::string& s, std::vector<std::string>* log) {
  if (s.empty()) return kProtoTls12 | kProtoTls13;
  int protocols = 0;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(' ', start);
    std::string tok = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!strcasecmp(tok.c_str(), "tlsv1")) protocols |= kProtoTls1;
    else if (!strcasecmp(tok.c_str(), "tlsv1.1")) protocols |= kProtoTls11;
    else if (!strcasecmp(tok.c_str(), "tlsv1.2")) protocols |= kProtoTls12;
    else if (!strcasecmp(tok.c_str(), "tlsv1.3")) protocols |= kProtoTls13;
    else {
      log->push_back("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
      return -1;
    }
    if (end == std::string::npos) return protocols;
    start = end + 1;
  }
}

int PasswordCallback(char* buf, int size, int, void* u) {
  const std::string* pass = static_cast<const std::string*>(u);
  if (!pass || pass->empty() || pass->size() > static_cast<size_t>(size)) return -1;
  memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

std::shared_ptr<TlsContext> TlsContext::Create(const TlsOptions& o, std::vector<std::string>* log) {
  if (o.cert_file.empty()) {
    log->push_back("No tls-cert-file configured!");
    return nullptr;
  }
  if (o.key_file.empty()) {
    log->push_back("No tls-key-file configured!");
    return nullptr;
  }
  if ((o.auth_clients != TlsAuthClients::kNo || o.replication_or_cluster) && o.ca_cert_file.empty() &&
      o.ca_cert_dir.empty()) {
    log->push_back(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or "
        "tls-auth-clients are enabled!");
    return nullptr;
  }
  int protocols = ParseProtocols(o.protocols, log);
  if (protocols < 0) return nullptr;

  std::shared_ptr<TlsContext> t(new TlsContext());
  t->auth_ = o.auth_clients;
  t->key_pass_ = o.key_file_pass;
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (!ctx) {
    log->push_back("Failed to create a TLS context: " + LastError());
    return nullptr;
  }
  t->ctx_ = ctx;
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS | SSL_OP_NO_COMPRESSION);
  if (!(protocols & kProtoTls1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);
  if (!(protocols & kProtoTls11)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
  if (!(protocols & kProtoTls12)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
  if (!(protocols & kProtoTls13)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
  // Partial writes: what the socket does not take stays queued, SSL_write is retried with it.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &t->key_pass_);

  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) <= 0) {
    log->push_back("Failed to load certificate: " + o.cert_file + ": " + LastError());
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    log->push_back("Failed to load private key: " + o.key_file + ": " + LastError());
    return nullptr;
  }
  if ((!o.ca_cert_file.empty() || !o.ca_cert_dir.empty()) &&
      SSL_CTX_load_verify_locations(ctx, OrNull(o.ca_cert_file), OrNull(o.ca_cert_dir)) <= 0) {
    log->push_back("Failed to configure CA certificate(s) file/directory: " + LastError());
    return nullptr;
  }
  if (!o.ciphers.empty() && !SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str())) {
    log->push_back("Failed to configure ciphers: " + o.ciphers);
    return nullptr;
  }
  if (!o.ciphersuites.empty() && !SSL_CTX_set_ciphersuites(ctx, o.ciphersuites.c_str())) {
    log->push_back("Failed to configure ciphersuites: " + o.ciphersuites);
    return nullptr;
  }
  if (o.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, o.session_cache_size);
    SSL_CTX_set_timeout(ctx, o.session_cache_timeout);
    SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>("redis"), 5);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  // OpenSSL 3 refuses client-initiated renegotiation by default; older ones are told to.
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
  SSL_CTX_set_options(ctx, SSL_OP_NO_CLIENT_RENEGOTIATION);
#endif
  SSL_CTX_set_options(ctx, SSL_OP_SINGLE_DH_USE);
  if (o.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!o.dh_params_file.empty()) {
    FILE* f = fopen(o.dh_params_file.c_str(), "r");
    if (!f) {
      log->push_back("Failed to load " + o.dh_params_file + ": " + strerror(errno));
      return nullptr;
    }
    EVP_PKEY* pkey = nullptr;
    OSSL_DECODER_CTX* dctx =
        OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, "DH", OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, nullptr, nullptr);
    bool ok = dctx && OSSL_DECODER_from_fp(dctx, f);
    if (dctx) OSSL_DECODER_CTX_free(dctx);
    fclose(f);
    if (!ok) {
      log->push_back(o.dh_params_file + ": failed to read DH params.");
      return nullptr;
    }
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) <= 0) {
      log->push_back("Failed to load DH params file: " + o.dh_params_file + ": " + LastError());
      EVP_PKEY_free(pkey);
      return nullptr;
    }
  } else {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  return t;
}

TlsContext::~TlsContext() {
  // Connections keep their own reference to the context (CONFIG SET of certificates replaces it).
  if (ctx_) SSL_CTX_free(ctx_);
}

SSL* TlsContext::Accept(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) return nullptr;
  switch (auth_) {
    case TlsAuthClients::kNo: SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr); break;
    case TlsAuthClients::kOptional: SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr); break;
    case TlsAuthClients::kYes: SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr); break;
  }
  SSL_set_fd(ssl, fd);
  SSL_set_accept_state(ssl);
  return ssl;
}

namespace {

// Redis's handleSSLReturnCode: a wait (0 with *want) or the end (-1).
long SslOutcome(SSL* ssl, int ret, int* want, std::string* error) {
  int err = SSL_get_error(ssl, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ: *want = kTlsWantRead; return 0;
    case SSL_ERROR_WANT_WRITE: *want = kTlsWantWrite; return 0;
    case SSL_ERROR_ZERO_RETURN: return -1;  // close_notify: a clean end
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        *want = kTlsWantRead;
        return 0;
      }
      if (errno) error->assign(strerror(errno));
      return -1;
    default:
      error->assign(LastError());
      return -1;
  }
}

}  // namespace

long TlsRead(SSL* ssl, char* buf, size_t cap, int* want, std::string* error) {
  *want = kTlsWantNone;
  ERR_clear_error();
  errno = 0;
  int n = SSL_read(ssl, buf, static_cast<int>(cap > 0x7fffffff ? 0x7fffffff : cap));
  if (n > 0) return n;
  return SslOutcome(ssl, n, want, error);
}

long TlsWrite(SSL* ssl, const char* data, size_t n, int* want, std::string* error) {
  *want = kTlsWantNone;
  ERR_clear_error();
  errno = 0;
  int w = SSL_write(ssl, data, static_cast<int>(n > 0x7fffffff ? 0x7fffffff : n));
  if (w > 0) return w;
  return SslOutcome(ssl, w, want, error);
}

bool TlsPending(SSL* ssl) { return SSL_pending(ssl) > 0; }

bool TlsHandshakeDone(SSL* ssl) { return SSL_is_init_finished(ssl); }

void TlsShutdown(SSL* ssl) {
  if (ssl && SSL_is_init_finished(ssl)) {
    ERR_clear_error();
    SSL_shutdown(ssl);  // a close_notify, best effort (the socket is non-blocking)
  }
}

void TlsFree(SSL* ssl) {
  if (ssl) SSL_free(ssl);
}

}  // namespace tachyon

#else  // !TACHYON_NATIVE_TLS

namespace tachyon {

std::shared_ptr<TlsContext> TlsContext::Create(const TlsOptions&, std::vector<std::string>* log) {
  log->push_back("native TLS is not built in (Node's OpenSSL headers were not found)");
  return nullptr;
}
TlsContext::~TlsContext() = default;
SSL* TlsContext::Accept(int) const { return nullptr; }
long TlsRead(SSL*, char*, size_t, int*, std::string*) { return -1; }
long TlsWrite(SSL*, const char*, size_t, int*, std::string*) { return -1; }
bool TlsPending(SSL*) { return false; }
bool TlsHandshakeDone(SSL*) { return false; }
void TlsShutdown(SSL*) {}
void TlsFree(SSL*) {}

}  // namespace tachyon

#endif  // TACHYON_NATIVE_TLS
#endif  // TACHYON_NATIVE_IO

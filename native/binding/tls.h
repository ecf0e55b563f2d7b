// TLS for client connections, natively: an OpenSSL server context built
// from the tls-* options as Redis 7.0 builds it (tls.c), and the SSL object
// each TLS connection carries through socket_io.h, where reads and writes
// go through SSL_read/SSL_write on the socket itself (no extra copy, no
// JavaScript).
//
// OpenSSL is Node's own: the addon is compiled against the headers Node
// ships (include/node/openssl) and links no libssl; the SSL_* symbols
// resolve against the node binary at load time, so a prebuilt addon needs
// nothing but Node.
#pragma once

#include <memory>
#include <string>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace tachyon {

// tls-auth-clients
enum class TlsAuthClients { kNo = 0, kYes = 1, kOptional = 2 };

// The tls-* options; an empty string is an option that is not set.
struct TlsOptions {
  std::string cert_file, key_file, key_file_pass;
  std::string ca_cert_file, ca_cert_dir;
  std::string protocols, ciphers, ciphersuites, dh_params_file;
  TlsAuthClients auth_clients = TlsAuthClients::kYes;
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  long session_cache_size = 20480;
  long session_cache_timeout = 300;
  // tls-replication / tls-cluster also need a CA (Redis checks it here).
  bool replication_or_cluster = false;
};

class TlsContext {
 public:
  // Redis's tlsConfigure: null on failure, with the lines Redis logs in *log.
  static std::shared_ptr<TlsContext> Create(const TlsOptions& opts, std::vector<std::string>* log);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // An SSL in accept state on fd, verifying the peer as tls-auth-clients says.
  SSL* Accept(int fd) const;

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
  TlsAuthClients auth_ = TlsAuthClients::kYes;
  std::string key_pass_;  // referenced by OpenSSL's password callback
};

// Results of TlsRead / TlsWrite besides a byte count.
enum TlsWant { kTlsWantNone = 0, kTlsWantRead = 1, kTlsWantWrite = 2 };

// SSL_read: bytes (> 0), 0 when more input (or output room) is needed
// (*want says which), -1 when the connection ended or failed (*error set
// on failure).
long TlsRead(SSL* ssl, char* buf, size_t cap, int* want, std::string* error);
// SSL_write: bytes taken (> 0, possibly fewer than n), 0 when it must wait
// (*want), -1 on failure.
long TlsWrite(SSL* ssl, const char* data, size_t n, int* want, std::string* error);
// Decrypted bytes OpenSSL holds that the socket will not signal again.
bool TlsPending(SSL* ssl);
bool TlsHandshakeDone(SSL* ssl);
// Sends close_notify while the socket is still ours (before Node closes it).
void TlsShutdown(SSL* ssl);
// Frees the SSL (never touches the socket).
void TlsFree(SSL* ssl);

}  // namespace tachyon

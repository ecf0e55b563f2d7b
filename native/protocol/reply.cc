// Reply writer implementation. See reply.h.
#include "protocol/reply.h"

#include <cmath>
#include <cstdio>
#include <new>

namespace tachyon {

void ByteBuffer::Grow(size_t need) {
  size_t cap = cap_ ? cap_ : 256;
  while (cap < need) cap *= 2;
  char* p = static_cast<char*>(ZRealloc(data_, cap));
  if (!p) throw std::bad_alloc();
  data_ = p;
  cap_ = cap;
}

void ByteBuffer::Trim(size_t keep) {
  if (cap_ > keep && size_ <= keep) {
    char* p = static_cast<char*>(ZRealloc(data_, keep));
    if (p || keep == 0) {
      data_ = p;
      cap_ = keep;
    }
  }
}

size_t FormatInt(char* buf, long long v) {
  char tmp[24];
  size_t n = 0;
  unsigned long long u = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  return len;
}

void Reply::Header(char type, size_t n) {
  out_->Reserve(24);
  char* p = out_->Tail();
  *p++ = type;
  p += FormatInt(p, static_cast<long long>(n));
  *p++ = '\r';
  *p++ = '\n';
  out_->Advance(p - out_->Tail());
}

void Reply::Simple(std::string_view s) {
  out_->Reserve(s.size() + 3);
  out_->Push('+');
  out_->Append(s);
  out_->Append("\r\n", 2);
}

void Reply::Error(std::string_view msg) {
  if (sink_) sink_->OnErrorReply(msg);
  out_->Reserve(msg.size() + 3);
  out_->Push('-');
  // An error must stay on one line: Redis turns CR/LF in error text into spaces.
  for (char c : msg) out_->Push(c == '\r' || c == '\n' ? ' ' : c);
  out_->Append("\r\n", 2);
}

void Reply::Int(long long v) {
  out_->Reserve(24);
  char* p = out_->Tail();
  *p++ = ':';
  p += FormatInt(p, v);
  *p++ = '\r';
  *p++ = '\n';
  out_->Advance(p - out_->Tail());
}

void Reply::Bulk(std::string_view s) {
  out_->Reserve(s.size() + 26);
  char* p = out_->Tail();
  *p++ = '$';
  p += FormatInt(p, static_cast<long long>(s.size()));
  *p++ = '\r';
  *p++ = '\n';
  if (!s.empty()) memcpy(p, s.data(), s.size());
  p += s.size();
  *p++ = '\r';
  *p++ = '\n';
  out_->Advance(p - out_->Tail());
}

void Reply::BulkInt(long long v) {
  char buf[24];
  size_t n = FormatInt(buf, v);
  Bulk(std::string_view(buf, n));
}

void Reply::Null() {
  if (resp_ >= 3)
    out_->Append("_\r\n", 3);
  else
    out_->Append("$-1\r\n", 5);
}

void Reply::NullArray() {
  if (resp_ >= 3)
    out_->Append("_\r\n", 3);
  else
    out_->Append("*-1\r\n", 5);
}

void Reply::Double(double d) {
  char buf[64];
  int n;
  if (std::isinf(d)) {
    n = snprintf(buf, sizeof buf, "%s", d > 0 ? "inf" : "-inf");
  } else if (std::isnan(d)) {
    n = snprintf(buf, sizeof buf, "nan");
  } else {
    n = snprintf(buf, sizeof buf, "%.17g", d);
  }
  if (resp_ >= 3) {
    out_->Reserve(n + 3);
    out_->Push(',');
    out_->Append(buf, n);
    out_->Append("\r\n", 2);
  } else {
    Bulk(std::string_view(buf, n));
  }
}

void Reply::DoubleText(std::string_view text) {
  if (resp_ < 3) return Bulk(text);
  out_->Reserve(text.size() + 3);
  out_->Push(',');
  out_->Append(text);
  out_->Append("\r\n", 2);
}

void Reply::Bool(bool b) {
  if (resp_ >= 3)
    out_->Append(b ? "#t\r\n" : "#f\r\n", 4);
  else
    out_->Append(b ? ":1\r\n" : ":0\r\n", 4);
}

void Reply::Verbatim(std::string_view s, std::string_view format) {
  if (resp_ < 3) {
    Bulk(s);
    return;
  }
  Header('=', s.size() + 4);
  out_->Append(format.substr(0, 3));
  out_->Push(':');
  out_->Append(s);
  out_->Append("\r\n", 2);
}

size_t Reply::BeginDeferredArray() { return out_->size(); }

void Reply::EndDeferredArray(size_t handle, size_t n, char type) {
  if (type == '%' && resp_ < 3) {
    type = '*';
    n *= 2;
  } else if ((type == '~' || type == '>') && resp_ < 3) {
    type = '*';
  }
  char hdr[32];
  hdr[0] = type;
  size_t len = 1 + FormatInt(hdr + 1, static_cast<long long>(n));
  hdr[len++] = '\r';
  hdr[len++] = '\n';
  size_t body = out_->size() - handle;
  out_->Reserve(len);
  char* base = out_->data() + handle;
  memmove(base + len, base, body);
  memcpy(base, hdr, len);
  out_->Advance(len);
}

}  // namespace tachyon

#include "protocol/request_parser.h"

#include <climits>
#include <cstring>

namespace tachyon {

namespace {

constexpr int64_t kMaxMultibulkLen = INT_MAX;      // larger counts are invalid
constexpr int64_t kUnauthMaxMultibulkLen = 10;     // before AUTH
constexpr int64_t kUnauthMaxBulkLen = 16384;       // before AUTH
constexpr size_t kMaxNumberLen = 20;               // longer number strings are invalid

// Integer syntax accepted by Redis's string2ll: an optional '-', then either the single
// digit 0 or a digit 1-9 followed by digits; at most 20 characters; must fit int64_t.
// No '+', no whitespace, no leading zeros, "-0" rejected.
inline bool ParseInt64(const char* s, size_t n, int64_t* out) {
  if (n == 0 || n > kMaxNumberLen) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (n == 1) return false;
    i = 1;
  }
  unsigned d = static_cast<unsigned char>(s[i]) - '0';
  if (d == 0 || d > 9) return false;
  uint64_t v = d;
  for (++i; i < n; ++i) {
    d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    if (v > UINT64_MAX / 10) return false;
    v *= 10;
    if (v > UINT64_MAX - d) return false;
    v += d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = v == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// Fast path for the usual header line "<prefix><digits>\r": when every byte after the
// prefix is a digit or '-', the first '\r' is found without memchr (and there can be no
// NUL byte before it). Returns false when the line does not have that shape.
inline bool FindNumberLineEnd(const char* p, size_t avail, size_t line_start, size_t* t) {
  size_t limit = line_start + 2 + kMaxNumberLen;
  if (limit > avail) limit = avail;
  for (size_t i = line_start + 1; i < limit; ++i) {
    const char c = p[i];
    if (c == '\r') {
      *t = i;
      return true;
    }
    if ((c < '0' || c > '9') && c != '-') return false;
  }
  return false;
}

// isspace() in the C locale.
inline bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

inline int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void RequestParser::Reset() {
  state_ = State::kIdle;
  cursor_ = 0;
  mb_remaining_ = 0;
  bulk_len_ = 0;
  pending_ = 0;
  ResetLine(0);
  args_.clear();
  args_inline_ = false;
}

RequestParser::Status RequestParser::Fail(const char* msg) {
  error_.assign(msg);
  Reset();
  return Status::kError;
}

bool RequestParser::FindTerminator(const char* p, size_t avail, size_t line_start,
                                   char target, size_t* t) {
  if (found_ != kNotFound) {
    *t = found_;
    return true;
  }
  if (blocked_) return false;
  const size_t from = scan_ > line_start ? scan_ : line_start;
  if (from >= avail) return false;
  const void* hit = std::memchr(p + from, target, avail - from);
  if (hit == nullptr) {
    scan_ = avail;
    return false;
  }
  const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - p);
  // Redis searches with strchr(): a NUL byte before the terminator ends the search.
  if (std::memchr(p + line_start, '\0', at - line_start) != nullptr) {
    blocked_ = true;
    return false;
  }
  found_ = at;
  *t = at;
  return true;
}

RequestParser::Status RequestParser::Parse(const char* buf, size_t len, size_t* pos,
                                           const ParserLimits& limits) {
  pending_ = 0;
  const size_t start = *pos;
  if (start >= len) return Status::kNeedMore;
  const char* p = buf + start;
  const size_t avail = len - start;
  if (state_ == State::kIdle) {
    args_.clear();
    args_inline_ = false;
    cursor_ = 0;
    ResetLine(0);
    state_ = p[0] == '*' ? State::kMbCount : State::kInline;
  }
  if (state_ == State::kInline) return ParseInline(p, avail, start, pos, limits);
  return ParseMultibulk(p, avail, start, pos, limits);
}

RequestParser::Status RequestParser::ParseMultibulk(const char* p, size_t avail, size_t start,
                                                    size_t* pos, const ParserLimits& limits) {
  if (state_ == State::kMbCount) {
    size_t t;
    if (!FindNumberLineEnd(p, avail, 0, &t) && !FindTerminator(p, avail, 0, '\r', &t)) {
      if (avail > kInlineMaxSize) return Fail("ERR Protocol error: too big mbulk count string");
      return Status::kNeedMore;
    }
    found_ = t;
    if (t + 1 >= avail) return Status::kNeedMore;  // the byte after '\r' is not here yet
    int64_t count;
    if (!ParseInt64(p + 1, t - 1, &count) || count > kMaxMultibulkLen) {
      return Fail("ERR Protocol error: invalid multibulk length");
    }
    if (count > kUnauthMaxMultibulkLen && limits.auth_required) {
      return Fail("ERR Protocol error: unauthenticated multibulk length");
    }
    cursor_ = t + 2;
    if (count <= 0) {
      state_ = State::kIdle;
      *pos = start + cursor_;
      return Status::kRequest;
    }
    mb_remaining_ = count;
    state_ = State::kBulkHeader;
    ResetLine(cursor_);
  }

  for (;;) {
    if (state_ == State::kBulkHeader) {
      const size_t line = cursor_;
      if (line >= avail) return Status::kNeedMore;
      size_t t;
      if (!(p[line] == '$' && FindNumberLineEnd(p, avail, line, &t)) &&
          !FindTerminator(p, avail, line, '\r', &t)) {
        if (avail - line > kInlineMaxSize) {
          return Fail("ERR Protocol error: too big bulk count string");
        }
        return Status::kNeedMore;
      }
      found_ = t;
      if (t + 1 >= avail) return Status::kNeedMore;
      if (p[line] != '$') {
        // Redis formats this with %c and then turns CR/LF into spaces.
        char got = p[line];
        if (got == '\r' || got == '\n') got = ' ';
        error_.assign("ERR Protocol error: expected '$', got '");
        error_.push_back(got);
        error_.push_back('\'');
        Reset();
        return Status::kError;
      }
      int64_t blen;
      if (!ParseInt64(p + line + 1, t - line - 1, &blen) || blen < 0 ||
          (!limits.is_master && blen > limits.proto_max_bulk_len)) {
        return Fail("ERR Protocol error: invalid bulk length");
      }
      if (blen > kUnauthMaxBulkLen && limits.auth_required) {
        return Fail("ERR Protocol error: unauthenticated bulk length");
      }
      cursor_ = t + 2;
      bulk_len_ = static_cast<uint64_t>(blen);
      state_ = State::kBulkData;
    }

    // The payload is followed by two bytes that Redis skips without looking at them.
    const uint64_t need = bulk_len_ + 2;
    const uint64_t have = avail - cursor_;
    if (have < need) {
      pending_ = static_cast<size_t>(need - have);
      return Status::kNeedMore;
    }
    args_.push_back(ArgRef{cursor_, static_cast<size_t>(bulk_len_)});
    cursor_ += static_cast<size_t>(need);
    if (--mb_remaining_ == 0) break;
    state_ = State::kBulkHeader;
    ResetLine(cursor_);
  }

  if (start != 0) {
    for (ArgRef& a : args_) a.offset += start;
  }
  state_ = State::kIdle;
  *pos = start + cursor_;
  return Status::kRequest;
}

RequestParser::Status RequestParser::ParseInline(const char* p, size_t avail, size_t start,
                                                 size_t* pos, const ParserLimits& limits) {
  size_t t;
  if (!FindTerminator(p, avail, 0, '\n', &t)) {
    if (avail > kInlineMaxSize) return Fail("ERR Protocol error: too big inline request");
    return Status::kNeedMore;
  }
  size_t n = t;
  if (n > 0 && p[n - 1] == '\r') --n;
  if (!SplitInline(p, n)) return Fail("ERR Protocol error: unbalanced quotes in request");
  if (n != 0 && limits.is_master) {
    // A master never sends commands inline: Redis drops the link without replying.
    error_.clear();
    Reset();
    return Status::kError;
  }
  args_inline_ = true;
  state_ = State::kIdle;
  *pos = start + t + 1;
  return Status::kRequest;
}

bool RequestParser::SplitArgs(std::string_view line, std::vector<std::string>* out) {
  RequestParser p;
  if (!p.SplitInline(line.data(), line.size())) return false;
  out->clear();
  for (const ArgRef& a : p.args_) out->push_back(p.inline_storage_.substr(a.offset, a.len));
  return true;
}

bool RequestParser::SplitInline(const char* s, size_t n) {
  args_.clear();
  // Unescaping never makes the text longer, so the line length bounds the storage.
  inline_storage_.resize(n);
  char* out = &inline_storage_[0];
  size_t o = 0;
  size_t i = 0;
  for (;;) {
    while (i < n && IsSpace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= n) break;
    const size_t token = o;
    bool in_dq = false;
    bool in_sq = false;
    bool done = false;
    while (!done) {
      if (in_dq) {
        if (i >= n) return false;  // unterminated quotes
        const char c = s[i];
        int hi, lo;
        if (c == '\\' && i + 3 < n && s[i + 1] == 'x' &&
            (hi = HexValue(static_cast<unsigned char>(s[i + 2]))) >= 0 &&
            (lo = HexValue(static_cast<unsigned char>(s[i + 3]))) >= 0) {
          out[o++] = static_cast<char>(hi * 16 + lo);
          i += 4;
        } else if (c == '\\' && i + 1 < n) {
          char e = s[i + 1];
          switch (e) {
            case 'n': e = '\n'; break;
            case 'r': e = '\r'; break;
            case 't': e = '\t'; break;
            case 'b': e = '\b'; break;
            case 'a': e = '\a'; break;
            default: break;
          }
          out[o++] = e;
          i += 2;
        } else if (c == '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (i + 1 < n && !IsSpace(static_cast<unsigned char>(s[i + 1]))) return false;
          ++i;
          done = true;
        } else {
          out[o++] = c;
          ++i;
        }
      } else if (in_sq) {
        if (i >= n) return false;
        const char c = s[i];
        if (c == '\\' && i + 1 < n && s[i + 1] == '\'') {
          out[o++] = '\'';
          i += 2;
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(static_cast<unsigned char>(s[i + 1]))) return false;
          ++i;
          done = true;
        } else {
          out[o++] = c;
          ++i;
        }
      } else {
        if (i >= n) break;
        const char c = s[i++];
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
            done = true;
            break;
          case '"':
            in_dq = true;
            break;
          case '\'':
            in_sq = true;
            break;
          default:
            out[o++] = c;
            break;
        }
      }
    }
    args_.push_back(ArgRef{token, o - token});
  }
  inline_storage_.resize(o);
  return true;
}

}  // namespace tachyon

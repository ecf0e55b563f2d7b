// Incremental parser for client requests (RESP multibulk and inline), matching the
// behaviour and error texts of Redis 7.0's processMultibulkBuffer / processInlineBuffer.
//
// Behaviour notes (all verified against redis-server 7.0.15):
//  * A request starting with '*' is multibulk, anything else is inline.
//  * Lines are located the way Redis does with strchr() on its NUL-terminated query
//    buffer: a NUL byte before the line terminator hides the terminator, so such a
//    request never completes and eventually fails with the "too big ..." error once more
//    than 64 KB are pending. (Bulk payloads may of course contain NUL bytes.)
//  * Multibulk count: Redis's string2ll rules (no '+', no spaces, no leading zeros, "-0"
//    invalid); count > INT_MAX -> "invalid multibulk length"; count <= 0 -> the request
//    is consumed silently; count > 10 while auth_required -> "unauthenticated multibulk
//    length". (7.0 has no 1024*1024 limit any more: "*2000000" is accepted.)
//  * The byte following each '\r' of a header line is skipped whatever it is, and the two
//    bytes following a bulk payload are skipped whatever they are, exactly like Redis.
//  * Bulk length < 0, non-numeric, or > proto_max_bulk_len (unless is_master) ->
//    "invalid bulk length"; > 16384 while auth_required -> "unauthenticated bulk length".
//  * More than 64 KB pending without a line terminator -> "too big mbulk count string",
//    "too big bulk count string" or "too big inline request".
//  * Inline lines end at '\n' (one preceding '\r' is dropped) and are split like Redis's
//    sdssplitargs (quotes, escapes, \xHH); errors -> "unbalanced quotes in request".
//  * A master link sending a non-empty inline line is a protocol error that Redis closes
//    without any reply: Parse returns kError with an EMPTY error() in that case.
#ifndef TACHYON_PROTOCOL_REQUEST_PARSER_H_
#define TACHYON_PROTOCOL_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tachyon {

struct ParserLimits {
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;  // config proto-max-bulk-len
  bool is_master = false;  // master link is exempt from the bulk-length limit, as in Redis
  // Redis's authRequired(c): the connection has not authenticated yet while a password /
  // ACL requires it. Such clients may send at most 10 arguments of at most 16384 bytes.
  bool auth_required = false;
};

// One argument of a parsed request: an offset and length into the caller's buffer (or
// into inline_storage() when args_inline()), so the buffer may grow between calls.
struct ArgRef {
  size_t offset;
  size_t len;
};

class RequestParser {
 public:
  enum class Status { kRequest, kNeedMore, kError };

  // Redis's PROTO_INLINE_MAX_SIZE.
  static constexpr size_t kInlineMaxSize = 64 * 1024;

  RequestParser() = default;

  // Parses at most one request from buf[*pos, len).
  //  kRequest:  args() holds the arguments (possibly none: empty inline line, "*0", "*-1"),
  //             *pos is advanced past the request. ArgRef offsets are absolute offsets
  //             into buf (as passed to this call) unless args_inline().
  //  kNeedMore: the request is incomplete; *pos is left at the request's first byte and
  //             progress is remembered relative to it. The next call must present the same
  //             bytes from *pos on (the buffer may be appended to, reallocated, or even
  //             compacted so that the request starts at a different *pos), followed by
  //             any new bytes. Work already done is not repeated.
  //  kError:    error() holds Redis's reply text without '-' and CRLF (empty: close
  //             silently); the connection must be closed. The parser is reset.
  Status Parse(const char* buf, size_t len, size_t* pos, const ParserLimits& limits);

  const std::vector<ArgRef>& args() const { return args_; }
  const std::string& error() const { return error_; }
  bool args_inline() const { return args_inline_; }
  const std::string& inline_storage() const { return inline_storage_; }

  // Forgets any partial request (e.g. when the client's buffer is discarded).
  void Reset();

  // Splits one line as an inline request is split (Redis's sdssplitargs: quotes,
  // escapes, \xHH), for text that is not a request (a function library's
  // shebang). False on unbalanced quotes.
  static bool SplitArgs(std::string_view line, std::vector<std::string>* out);

  // Bytes still needed to complete the bulk payload (including its trailing CRLF) of the
  // current incomplete request, 0 if unknown. Valid after Parse returned kNeedMore.
  size_t pending_bulk_remaining() const { return pending_; }

 private:
  enum class State : uint8_t { kIdle, kInline, kMbCount, kBulkHeader, kBulkData };

  // Locates the terminator of the line starting at line_start (relative to the request
  // start p) with strchr() semantics (a NUL byte first means "not found"). Resumes the
  // search where the previous call stopped. Returns true and sets *t when found.
  bool FindTerminator(const char* p, size_t avail, size_t line_start, char target,
                      size_t* t);
  Status ParseInline(const char* p, size_t avail, size_t start, size_t* pos,
                     const ParserLimits& limits);
  Status ParseMultibulk(const char* p, size_t avail, size_t start, size_t* pos,
                        const ParserLimits& limits);
  // Splits line[0, n) like sdssplitargs into inline_storage_/args_. False on bad quotes.
  bool SplitInline(const char* line, size_t n);
  Status Fail(const char* msg);
  void ResetLine(size_t line_start) {
    scan_ = line_start;
    found_ = kNotFound;
    blocked_ = false;
  }

  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  State state_ = State::kIdle;
  bool blocked_ = false;       // a NUL byte hides the current line's terminator
  bool args_inline_ = false;
  size_t cursor_ = 0;          // next unparsed byte, relative to the request start
  size_t scan_ = 0;            // terminator search resumes here (relative)
  size_t found_ = kNotFound;   // terminator of the current line once found (relative)
  int64_t mb_remaining_ = 0;   // bulk arguments still to read
  uint64_t bulk_len_ = 0;      // length of the bulk being read (kBulkData)
  size_t pending_ = 0;
  std::vector<ArgRef> args_;   // offsets relative to the request start until complete
  std::string inline_storage_;
  std::string error_;
};

}  // namespace tachyon

#endif  // TACHYON_PROTOCOL_REQUEST_PARSER_H_

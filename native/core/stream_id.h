// StreamId: a Redis stream entry id, <ms>-<seq>, two unsigned 64-bit halves.
//
// Ids order by ms, then seq. Redis keys its radix tree of listpacks by the id
// written as one 128-bit big-endian number (ms then seq, most significant
// byte first), so that byte order equals id order; Encode()/Decode() give that
// form (it is also how RDB files store node keys and PEL ids).
//
// Parse() accepts what Redis's streamGenericParseIDOrReply accepts: "-" and
// "+" (unless strict), "<ms>" (seq taken from missing_seq), "<ms>-<seq>", and
// with allow_auto_seq "<ms>-*". The numbers go through Redis's string2ull
// (strtoull fallback included). Redis parses a C string copied into a
// 128-byte buffer, so inputs of 128 bytes or more are invalid and anything
// after an embedded NUL is ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tachyon {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamId Min() { return {0, 0}; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }

  bool IsZero() const { return ms == 0 && seq == 0; }
  bool IsMax() const { return ms == UINT64_MAX && seq == UINT64_MAX; }

  // The next / previous id (streamIncrID / streamDecrID). Returns false, and
  // wraps to 0-0 / max, when there is none.
  bool Incr();
  bool Decr();

  // 16 bytes, big-endian ms then seq.
  void Encode(unsigned char out[16]) const;
  static StreamId Decode(const unsigned char in[16]);

  // "<ms>-<seq>" into buf (at least kMaxChars bytes); returns the length.
  static constexpr size_t kMaxChars = 42;
  size_t Format(char* buf) const;
  std::string ToString() const;

  // See the file comment. *seq_given (when allow_auto_seq) is false for "<ms>-*".
  static bool Parse(std::string_view s, bool strict, uint64_t missing_seq, StreamId* out,
                    bool allow_auto_seq = false, bool* seq_given = nullptr);
};

inline bool operator==(const StreamId& a, const StreamId& b) { return a.ms == b.ms && a.seq == b.seq; }
inline bool operator!=(const StreamId& a, const StreamId& b) { return !(a == b); }
inline bool operator<(const StreamId& a, const StreamId& b) {
  return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
}
inline bool operator>(const StreamId& a, const StreamId& b) { return b < a; }
inline bool operator<=(const StreamId& a, const StreamId& b) { return !(b < a); }
inline bool operator>=(const StreamId& a, const StreamId& b) { return !(a < b); }

}  // namespace tachyon

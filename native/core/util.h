// Number parsing and formatting with Redis 7.0's exact rules.
//
// Every function here reproduces the observable behaviour of the Redis 7.0
// helper of the same name (util.c / object.c / networking.c), because the
// strings they accept or produce are visible to clients and end up inside
// listpacks and RDB files:
//
//   String2ll   strict integer: optional '-', no '+', no spaces, no leading
//               zeros ("0" alone is fine, "-0" is rejected), length < 21,
//               no overflow. A string accepted here prints back identically
//               with Ll2String, which is why listpack stores exactly these
//               strings as integers.
//   String2ld   strtold() on the whole string: no leading space, nothing left
//               over, no NaN, no overflow to +-HUGE_VAL, no underflow to 0,
//               length < kMaxLongDoubleChars. Accepts "+1.5", "0x10", ".5",
//               "5.", "inf" (INCRBYFLOAT then rejects the inf result).
//   String2d    the same with strtod() (ZADD/ZINCRBY scores, HINCRBYFLOAT
//               does not use it). Rejects "nan", " 1", "1e400", "1e-400";
//               accepts "1e-310" (subnormal) and "inf".
//   D2String    Redis's d2string: "nan"/"inf"/"-inf", "0"/"-0", an integer
//               printed with Ll2String when |v| < 2^52 and integral, else
//               "%.17g".
//   Double2ll   true when the double is an exact integer within +-2^62
//               (Redis uses this to store zset scores in listpacks as
//               integers: score -0.0 becomes integer 0).
//   Ld2String   LdMode::kAuto "%.17Lg", kHuman "%.17Lf" with trailing zeros
//               (and a trailing '.') trimmed and "-0" turned into "0",
//               kHex "%La"; +-inf always as "inf"/"-inf". INCRBYFLOAT and
//               HINCRBYFLOAT store and reply kHuman.
//   FormatDoubleReply
//               the bulk-string body of addReplyDouble for RESP2 (and the
//               ",..." body for RESP3): "inf"/"-inf" for infinities, else
//               "%.17g" (e.g. 0.1 -> "0.10000000000000001", -0.0 -> "-0",
//               1e100 -> "1e+100").
//   FormatHumanLongDouble
//               the reply of addReplyHumanLongDouble (INCRBYFLOAT,
//               HINCRBYFLOAT): Ld2String(kHuman).
//
// All parsers take (pointer, length) or a string_view; they never read past
// the given length (the strtod-based ones copy into a NUL-terminated buffer
// first, because Redis relies on sds strings being NUL-terminated).
#ifndef TACHYON_CORE_UTIL_H_
#define TACHYON_CORE_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace tachyon {

// Longest decimal representation of a 64-bit integer plus a NUL: 21.
inline constexpr size_t kLongStrSize = 21;
// Buffer size Redis uses for long double <-> string (5 KB): "%.17Lf" of a
// value near LDBL_MAX needs ~4950 digits.
inline constexpr size_t kMaxLongDoubleChars = 5 * 1024;
// Buffer size Redis uses for d2string output.
inline constexpr size_t kMaxD2StringChars = 128;

// Number of decimal digits of v (1 for 0).
uint32_t Digits10(uint64_t v);
// Digits of v including the '-' sign when negative.
uint32_t SDigits10(int64_t v);

// Write v in decimal into buf (NUL-terminated). Returns the length written,
// or 0 if buf is too small (len must fit digits + NUL).
int Ll2String(char* buf, size_t len, long long v);
int Ull2String(char* buf, size_t len, unsigned long long v);
std::string Ll2Str(long long v);

bool String2ll(const char* s, size_t len, long long* value);
inline bool String2ll(std::string_view s, long long* value) {
  return String2ll(s.data(), s.size(), value);
}
// The same into an int64_t where that is not long long (it is long on LP64).
template <class T, std::enable_if_t<std::is_same_v<T, int64_t> && !std::is_same_v<T, long long>, int> = 0>
inline bool String2ll(std::string_view s, T* value) {
  long long v;
  if (!String2ll(s.data(), s.size(), &v)) return false;
  *value = static_cast<T>(v);
  return true;
}
// String2ll restricted to the range of long (identical on LP64).
bool String2l(const char* s, size_t len, long* value);
inline bool String2l(std::string_view s, long* value) {
  return String2l(s.data(), s.size(), value);
}
// Unsigned variant (Redis string2ull): accepts what strtoull accepts for a
// whole NUL-free string of digits; used for things like SCAN cursors.
bool String2ull(std::string_view s, unsigned long long* value);

bool String2ld(const char* s, size_t len, long double* value);
inline bool String2ld(std::string_view s, long double* value) {
  return String2ld(s.data(), s.size(), value);
}
bool String2d(const char* s, size_t len, double* value);
inline bool String2d(std::string_view s, double* value) {
  return String2d(s.data(), s.size(), value);
}

bool Double2ll(double d, long long* out);

// Redis d2string into buf (NUL-terminated); returns the length.
int D2String(char* buf, size_t len, double value);
std::string D2Str(double value);

enum class LdMode { kAuto, kHuman, kHex };
// Returns the length written (NUL-terminated), 0 if buf is too small or the
// mode is invalid. Use a buffer of kMaxLongDoubleChars.
int Ld2String(char* buf, size_t len, long double value, LdMode mode);
// Convenience: Ld2String into a kMaxLongDoubleChars buffer.
std::string Ld2Str(long double value, LdMode mode);

// Body of a double reply ("%.17g", "inf", "-inf").
std::string FormatDoubleReply(double d);
// Writes the same into buf (>= 32 bytes is always enough); returns length.
int FormatDoubleReply(char* buf, size_t len, double d);
// Body of a human long double reply (INCRBYFLOAT/HINCRBYFLOAT).
inline std::string FormatHumanLongDouble(long double d) {
  return Ld2Str(d, LdMode::kHuman);
}

}  // namespace tachyon

#endif  // TACHYON_CORE_UTIL_H_

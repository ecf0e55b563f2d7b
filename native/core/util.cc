#include "core/util.h"

#include <cctype>
#include <cerrno>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tachyon {

uint32_t Digits10(uint64_t v) {
  uint32_t n = 1;
  while (v >= 10000) {
    v /= 10000;
    n += 4;
  }
  if (v >= 1000) return n + 3;
  if (v >= 100) return n + 2;
  if (v >= 10) return n + 1;
  return n;
}

uint32_t SDigits10(int64_t v) {
  if (v < 0) {
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    const uint64_t mag = uint64_t{0} - static_cast<uint64_t>(v);
    return Digits10(mag) + 1;
  }
  return Digits10(static_cast<uint64_t>(v));
}

int Ull2String(char* buf, size_t len, unsigned long long v) {
  const uint32_t n = Digits10(v);
  if (len < static_cast<size_t>(n) + 1) {
    if (len > 0) buf[0] = '\0';
    return 0;
  }
  buf[n] = '\0';
  char* p = buf + n;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return static_cast<int>(n);
}

int Ll2String(char* buf, size_t len, long long v) {
  if (v >= 0) return Ull2String(buf, len, static_cast<unsigned long long>(v));
  const unsigned long long mag =
      0ULL - static_cast<unsigned long long>(v);  // safe for LLONG_MIN
  if (len < 2) {
    if (len > 0) buf[0] = '\0';
    return 0;
  }
  buf[0] = '-';
  const int n = Ull2String(buf + 1, len - 1, mag);
  if (n == 0) {
    buf[0] = '\0';
    return 0;
  }
  return n + 1;
}

std::string Ll2Str(long long v) {
  char buf[kLongStrSize];
  const int n = Ll2String(buf, sizeof(buf), v);
  return std::string(buf, static_cast<size_t>(n));
}

bool String2ll(const char* s, size_t len, long long* value) {
  if (len == 0 || len >= kLongStrSize) return false;
  if (len == 1 && s[0] == '0') {
    if (value) *value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (i == len) return false;
  }
  // The first digit must be 1-9 (no leading zeros, no "-0").
  if (s[i] < '1' || s[i] > '9') return false;
  unsigned long long v = static_cast<unsigned long long>(s[i] - '0');
  ++i;
  for (; i < len; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    const unsigned d = static_cast<unsigned>(c - '0');
    if (v > ULLONG_MAX / 10) return false;
    v *= 10;
    if (v > ULLONG_MAX - d) return false;
    v += d;
  }
  if (negative) {
    // |LLONG_MIN| = LLONG_MAX + 1.
    if (v > static_cast<unsigned long long>(LLONG_MAX) + 1) return false;
    if (value) *value = static_cast<long long>(0ULL - v);
  } else {
    if (v > static_cast<unsigned long long>(LLONG_MAX)) return false;
    if (value) *value = static_cast<long long>(v);
  }
  return true;
}

bool String2l(const char* s, size_t len, long* value) {
  long long ll;
  if (!String2ll(s, len, &ll)) return false;
  if (ll < LONG_MIN || ll > LONG_MAX) return false;
  if (value) *value = static_cast<long>(ll);
  return true;
}

bool String2ull(std::string_view s, unsigned long long* value) {
  // Redis works on a C string: anything after an embedded NUL is invisible.
  const size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  long long ll;
  if (String2ll(s.data(), s.size(), &ll)) {
    if (ll < 0) return false;
    if (value) *value = static_cast<unsigned long long>(ll);
    return true;
  }
  if (s.empty()) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  if (value) *value = v;
  return true;
}

bool String2ld(const char* s, size_t len, long double* value) {
  char buf[kMaxLongDoubleChars];
  if (len == 0 || len >= sizeof(buf)) return false;
  std::memcpy(buf, s, len);
  buf[len] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double v = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
      static_cast<size_t>(end - buf) != len ||
      (errno == ERANGE &&
       (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(v)) {
    return false;
  }
  if (value) *value = v;
  return true;
}

bool String2d(const char* s, size_t len, double* value) {
  if (len == 0) return false;
  // Small strings on the stack, longer ones on the heap; strtod needs a NUL.
  char small[128];
  std::string big;
  char* buf = small;
  if (len >= sizeof(small)) {
    big.assign(s, len);
    buf = &big[0];
  } else {
    std::memcpy(small, s, len);
    small[len] = '\0';
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) ||
      static_cast<size_t>(end - buf) != len ||
      (errno == ERANGE &&
       (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v)) {
    return false;
  }
  if (value) *value = v;
  return true;
}

bool Double2ll(double d, long long* out) {
  // Within +-2^62 every integral double converts to long long exactly; the
  // bounds are (double)(LLONG_MAX/2) like Redis 7.0.
  if (std::isnan(d)) return false;
  if (d < static_cast<double>(-LLONG_MAX / 2) ||
      d > static_cast<double>(LLONG_MAX / 2)) {
    return false;
  }
  const long long ll = static_cast<long long>(d);
  if (static_cast<double>(ll) == d) {
    if (out) *out = ll;
    return true;
  }
  return false;
}

int D2String(char* buf, size_t len, double value) {
  int n;
  if (std::isnan(value)) {
    n = std::snprintf(buf, len, "nan");
  } else if (std::isinf(value)) {
    n = std::snprintf(buf, len, value < 0 ? "-inf" : "inf");
  } else if (value == 0) {
    n = std::snprintf(buf, len, std::signbit(value) ? "-0" : "0");
  } else {
    // Integral values in (-2^52, 2^52) print as plain integers.
    const double min = -4503599627370495.0;
    const double max = 4503599627370496.0;
    if (value > min && value < max &&
        value == static_cast<double>(static_cast<long long>(value))) {
      n = Ll2String(buf, len, static_cast<long long>(value));
    } else {
      n = std::snprintf(buf, len, "%.17g", value);
    }
  }
  if (n < 0) return 0;
  if (static_cast<size_t>(n) >= len) return len > 0 ? static_cast<int>(len - 1) : 0;
  return n;
}

std::string D2Str(double value) {
  char buf[kMaxD2StringChars];
  const int n = D2String(buf, sizeof(buf), value);
  return std::string(buf, static_cast<size_t>(n));
}

int Ld2String(char* buf, size_t len, long double value, LdMode mode) {
  size_t l = 0;
  if (std::isinf(value)) {
    if (len < 5) return 0;  // room for "-inf\0"
    if (value > 0) {
      std::memcpy(buf, "inf", 3);
      l = 3;
    } else {
      std::memcpy(buf, "-inf", 4);
      l = 4;
    }
  } else {
    int n;
    switch (mode) {
      case LdMode::kAuto:
        n = std::snprintf(buf, len, "%.17Lg", value);
        if (n < 0 || static_cast<size_t>(n) + 1 > len) return 0;
        l = static_cast<size_t>(n);
        break;
      case LdMode::kHex:
        n = std::snprintf(buf, len, "%La", value);
        if (n < 0 || static_cast<size_t>(n) + 1 > len) return 0;
        l = static_cast<size_t>(n);
        break;
      case LdMode::kHuman:
        // 17 digits after the point, then drop trailing zeros (and the point
        // itself when nothing remains after it).
        n = std::snprintf(buf, len, "%.17Lf", value);
        if (n < 0 || static_cast<size_t>(n) + 1 > len) return 0;
        l = static_cast<size_t>(n);
        if (std::memchr(buf, '.', l) != nullptr) {
          while (l > 0 && buf[l - 1] == '0') --l;
          if (l > 0 && buf[l - 1] == '.') --l;
        }
        if (l == 2 && buf[0] == '-' && buf[1] == '0') {
          buf[0] = '0';
          l = 1;
        }
        break;
      default:
        return 0;
    }
  }
  buf[l] = '\0';
  return static_cast<int>(l);
}

std::string Ld2Str(long double value, LdMode mode) {
  std::string out(kMaxLongDoubleChars, '\0');
  const int n = Ld2String(&out[0], out.size(), value, mode);
  out.resize(static_cast<size_t>(n));
  return out;
}

int FormatDoubleReply(char* buf, size_t len, double d) {
  int n;
  if (std::isinf(d)) {
    n = std::snprintf(buf, len, d > 0 ? "inf" : "-inf");
  } else {
    n = std::snprintf(buf, len, "%.17g", d);
  }
  if (n < 0) return 0;
  if (static_cast<size_t>(n) >= len) return len > 0 ? static_cast<int>(len - 1) : 0;
  return n;
}

std::string FormatDoubleReply(double d) {
  char buf[64];
  const int n = FormatDoubleReply(buf, sizeof(buf), d);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace tachyon

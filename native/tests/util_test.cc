// Number parsing/formatting against values observed on redis-server 7.0.15
// (INCRBYFLOAT replies, ZSCORE replies, what ZADD stores in a listpack).
#include "core/util.h"

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "tests/check.h"

using namespace tachyon;

namespace {

bool ParsesLL(const std::string& s, long long* v = nullptr) {
  long long tmp;
  return String2ll(s.data(), s.size(), v ? v : &tmp);
}

// INCRBYFLOAT as Redis computes it: both sides parsed with string2ld, summed
// as long double, rejected if NaN/inf, replied in human form.
std::string IncrByFloat(const std::string& cur, const std::string& incr) {
  long double a, b;
  if (!String2ld(cur, &a) || !String2ld(incr, &b)) return "ERR not a valid float";
  const long double r = a + b;
  if (std::isnan(r) || std::isinf(r)) return "ERR NaN or Infinity";
  return FormatHumanLongDouble(r);
}

std::string ZScoreOf(const std::string& arg) {
  double d;
  if (!String2d(arg, &d)) return "ERR";
  return FormatDoubleReply(d);
}

}  // namespace

TEST(String2llAcceptsOnlyCanonical) {
  long long v = 0;
  CHECK(ParsesLL("0", &v) && v == 0);
  CHECK(ParsesLL("123", &v) && v == 123);
  CHECK(ParsesLL("-5", &v) && v == -5);
  CHECK(ParsesLL("9223372036854775807", &v) && v == LLONG_MAX);
  CHECK(ParsesLL("-9223372036854775808", &v) && v == LLONG_MIN);
  CHECK(!ParsesLL("9223372036854775808"));
  CHECK(!ParsesLL("-9223372036854775809"));
  CHECK(!ParsesLL("18446744073709551616"));
  CHECK(!ParsesLL("12345678901234567890"));
  CHECK(!ParsesLL("123456789012345678901"));  // 21 chars
  CHECK(!ParsesLL("-0"));
  CHECK(!ParsesLL("00"));
  CHECK(!ParsesLL("0123"));
  CHECK(!ParsesLL("+1"));
  CHECK(!ParsesLL(""));
  CHECK(!ParsesLL("-"));
  CHECK(!ParsesLL(" 1"));
  CHECK(!ParsesLL("1 "));
  CHECK(!ParsesLL("1.0"));
  CHECK(!ParsesLL("1e3"));
  CHECK(!ParsesLL(std::string("1\0", 2)));
  CHECK(!ParsesLL("0x10"));
  long l;
  CHECK(String2l("42", &l) && l == 42);
  CHECK(!String2l("abc", &l));
  unsigned long long u;
  CHECK(String2ull("18446744073709551615", &u) && u == ULLONG_MAX);
  CHECK(!String2ull("18446744073709551616", &u));
  CHECK(!String2ull("-1", &u));
  CHECK(!String2ull("", &u));
}

TEST(String2llRoundTripsRandom) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    long long v = static_cast<long long>(rng());
    v >>= (rng() % 64);
    const std::string s = Ll2Str(v);
    long long back = 0;
    CHECK(ParsesLL(s, &back));
    CHECK_EQ(back, v);
    CHECK_EQ(s, std::to_string(v));
  }
}

TEST(Ll2StringEdges) {
  CHECK_EQ(Ll2Str(0), "0");
  CHECK_EQ(Ll2Str(-1), "-1");
  CHECK_EQ(Ll2Str(LLONG_MIN), "-9223372036854775808");
  CHECK_EQ(Ll2Str(LLONG_MAX), "9223372036854775807");
  char buf[4];
  CHECK_EQ(Ll2String(buf, sizeof(buf), 123), 3);
  CHECK_EQ(std::string(buf), "123");
  CHECK_EQ(Ll2String(buf, sizeof(buf), 1234), 0);   // no room for the NUL
  CHECK_EQ(Ll2String(buf, sizeof(buf), -123), 0);
  char big[kLongStrSize];
  CHECK_EQ(Ull2String(big, sizeof(big), ULLONG_MAX), 20);
  CHECK_EQ(std::string(big), "18446744073709551615");
  CHECK_EQ(Digits10(0), 1u);
  CHECK_EQ(Digits10(9), 1u);
  CHECK_EQ(Digits10(10), 2u);
  CHECK_EQ(Digits10(UINT64_MAX), 20u);
  CHECK_EQ(SDigits10(-1), 2u);
  CHECK_EQ(SDigits10(INT64_MIN), 20u);
}

TEST(IncrByFloatMatchesRedis) {
  // Observed on redis-server 7.0.15: SET k <a>; INCRBYFLOAT k <b>.
  CHECK_EQ(IncrByFloat("10.5", "0.1"), "10.6");
  CHECK_EQ(IncrByFloat("0", "-0"), "0");
  CHECK_EQ(IncrByFloat("0", "-0.0"), "0");
  CHECK_EQ(IncrByFloat("3.0e3", "0"), "3000");
  CHECK_EQ(IncrByFloat("5.0e3", "2.0e2"), "5200");
  CHECK_EQ(IncrByFloat("1", "0x10"), "17");
  CHECK_EQ(IncrByFloat("0", "1e-20"), "0");
  CHECK_EQ(IncrByFloat("0", "0.1"), "0.1");
  CHECK_EQ(IncrByFloat("1", "+1.5"), "2.5");
  CHECK_EQ(IncrByFloat("0", "1.23456789012345678901"), "1.23456789012345679");
  CHECK_EQ(IncrByFloat("0", "-1.5"), "-1.5");
  CHECK_EQ(IncrByFloat("0", "123456789012345678"), "123456789012345678");
  CHECK_EQ(IncrByFloat("0", "1e17"), "100000000000000000");
  CHECK_EQ(IncrByFloat("0", "1e-310"), "0");
  CHECK_EQ(IncrByFloat("0", ".5"), "0.5");
  CHECK_EQ(IncrByFloat("0", "5."), "5");
  CHECK_EQ(IncrByFloat("0", "0X1p3"), "8");
  CHECK_EQ(IncrByFloat("1", "1e300"),
           "1000000000000000000008997324079559193870523944273290747938260082321265646"
           "5961809357558491520837504971903503725086142748359035925561846729839130962"
           "6052074864628732713564184365329408425510760601678972665293237003055138294"
           "7620994540294772781889620606179267611627097410650567187386105690089424915"
           "104006144");
  // Rejected by string2ld.
  CHECK_EQ(IncrByFloat("1", " 1"), "ERR not a valid float");
  CHECK_EQ(IncrByFloat("1", "1 "), "ERR not a valid float");
  CHECK_EQ(IncrByFloat("1", "1e5000"), "ERR not a valid float");
  CHECK_EQ(IncrByFloat("1", "1e-5000"), "ERR not a valid float");
  CHECK_EQ(IncrByFloat("1", ""), "ERR not a valid float");
  CHECK_EQ(IncrByFloat(" 1", "1"), "ERR not a valid float");
  CHECK_EQ(IncrByFloat("0", "nan"), "ERR not a valid float");
  CHECK_EQ(IncrByFloat("1", std::string("1\0", 2)), "ERR not a valid float");
  // Parsed, but the result is infinite.
  CHECK_EQ(IncrByFloat("1", "inf"), "ERR NaN or Infinity");
  // Too long for string2ld's 5 KB buffer.
  long double ld;
  CHECK(!String2ld(std::string(kMaxLongDoubleChars, '1'), &ld));
  CHECK(String2ld("0." + std::string(kMaxLongDoubleChars - 3, '1'), &ld));
}

TEST(HugeLongDoubleHumanForm) {
  // 1e4931 + 1e4931 prints ~4900 integer digits in human form (fits 5 KB).
  const std::string r = IncrByFloat("1e4931", "1e4931");
  CHECK_EQ(r.size(), size_t{4932});
  CHECK_EQ(r.substr(0, 40), "2000000000000000000012037898775927782647");
  CHECK_EQ(r.substr(r.size() - 40), "0175275874232628217307683622758377324544");
}

TEST(Ld2StringModes) {
  CHECK_EQ(Ld2Str(3.5L, LdMode::kHuman), "3.5");
  CHECK_EQ(Ld2Str(-0.0L, LdMode::kHuman), "0");
  CHECK_EQ(Ld2Str(100.0L, LdMode::kHuman), "100");
  CHECK_EQ(Ld2Str(HUGE_VALL, LdMode::kHuman), "inf");
  CHECK_EQ(Ld2Str(-HUGE_VALL, LdMode::kAuto), "-inf");
  CHECK_EQ(Ld2Str(3.5L, LdMode::kAuto), "3.5");
  CHECK_EQ(Ld2Str(1e100L, LdMode::kAuto), "1e+100");
  CHECK_EQ(Ld2Str(1.0L / 3, LdMode::kAuto), "0.33333333333333333");
  CHECK_EQ(Ld2Str(1.0L, LdMode::kHex), "0x8p-3");
  char small[4];
  CHECK_EQ(Ld2String(small, sizeof(small), 12345.0L, LdMode::kHuman), 0);
  CHECK_EQ(Ld2String(small, sizeof(small), HUGE_VALL, LdMode::kHuman), 0);
}

TEST(ZScoreRepliesMatchRedis) {
  // ZADD z <arg> m; ZSCORE z m on redis-server 7.0.15 (RESP2 bulk body).
  CHECK_EQ(ZScoreOf("2.5"), "2.5");
  CHECK_EQ(ZScoreOf("0.1"), "0.10000000000000001");
  CHECK_EQ(ZScoreOf("1e100"), "1e+100");
  CHECK_EQ(ZScoreOf("-1e-100"), "-1e-100");
  CHECK_EQ(ZScoreOf("inf"), "inf");
  CHECK_EQ(ZScoreOf("-inf"), "-inf");
  CHECK_EQ(ZScoreOf("+inf"), "inf");
  CHECK_EQ(ZScoreOf("1"), "1");
  CHECK_EQ(ZScoreOf("123456789012345678"), "1.2345678901234568e+17");
  CHECK_EQ(ZScoreOf("1e-310"), "9.9999999999999694e-311");
  CHECK_EQ(ZScoreOf("3.0000000000000004"), "3.0000000000000004");
  CHECK_EQ(ZScoreOf("+5"), "5");
  CHECK_EQ(ZScoreOf("0x10"), "16");
  CHECK_EQ(ZScoreOf(" 5"), "ERR");
  CHECK_EQ(ZScoreOf("5 "), "ERR");
  CHECK_EQ(ZScoreOf("1e400"), "ERR");
  CHECK_EQ(ZScoreOf("1e-400"), "ERR");
  CHECK_EQ(ZScoreOf("nan"), "ERR");
  CHECK_EQ(ZScoreOf(""), "ERR");
  CHECK_EQ(ZScoreOf(std::string("1\0", 2)), "ERR");
  // A skiplist-encoded zset keeps -0.0 and replies "-0".
  CHECK_EQ(FormatDoubleReply(-0.0), "-0");
  CHECK_EQ(FormatDoubleReply(0.0), "0");
  // Long inputs are still parsed (no fixed buffer limit in string2d).
  double d;
  CHECK(String2d("0." + std::string(300, '0') + "1", &d));
}

TEST(D2StringAndDouble2ll) {
  // What ZADD stores in a listpack (seen in DUMP payloads of 7.0.15):
  // integral scores within +-2^62 as integers, others via d2string.
  long long ll = 0;
  CHECK(Double2ll(4611686018427387904.0, &ll) && ll == 4611686018427387904LL);
  CHECK(Double2ll(-4611686018427387904.0, &ll) && ll == -4611686018427387904LL);
  CHECK(Double2ll(9007199254740994.0, &ll) && ll == 9007199254740994LL);
  CHECK(Double2ll(100.0, &ll) && ll == 100);
  CHECK(Double2ll(-0.0, &ll) && ll == 0);
  CHECK(!Double2ll(9223372036854775808.0, &ll));
  CHECK(!Double2ll(-9223372036854775808.0, &ll));
  CHECK(!Double2ll(1.5, &ll));
  CHECK(!Double2ll(NAN, &ll));
  CHECK(!Double2ll(INFINITY, &ll));
  CHECK_EQ(D2Str(9223372036854775808.0), "9.2233720368547758e+18");
  CHECK_EQ(D2Str(-9223372036854775808.0), "-9.2233720368547758e+18");
  CHECK_EQ(D2Str(1.5), "1.5");
  CHECK_EQ(D2Str(0.1), "0.10000000000000001");
  CHECK_EQ(D2Str(100.0), "100");
  CHECK_EQ(D2Str(4503599627370495.0), "4503599627370495");
  CHECK_EQ(D2Str(4503599627370496.0), "4503599627370496");  // via %.17g
  CHECK_EQ(D2Str(-0.0), "-0");
  CHECK_EQ(D2Str(0.0), "0");
  CHECK_EQ(D2Str(INFINITY), "inf");
  CHECK_EQ(D2Str(-INFINITY), "-inf");
  CHECK_EQ(D2Str(NAN), "nan");
}

TEST(FormatDoubleRoundTrips) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (std::isnan(d)) continue;
    const std::string s = FormatDoubleReply(d);
    double back;
    CHECK(String2d(s, &back) || (std::fpclassify(d) == FP_SUBNORMAL && back == 0));
    if (std::fpclassify(d) != FP_SUBNORMAL) CHECK(back == d);
  }
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }

// Minimal test harness for the native unit tests (no dependencies).
//
//   TEST(name) { CHECK(cond); CHECK_EQ(a, b); }
//   int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
//
// Every CHECK is counted; failures print file:line (the first 50 of them)
// and make the binary exit 1. The last line is "N passed, N failed" (checks).
// Optional argv[1]: run only tests whose name contains it.
#ifndef TACHYON_TESTS_CHECK_H_
#define TACHYON_TESTS_CHECK_H_

#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace tachyon {
namespace test {

inline size_t g_passed = 0;
inline size_t g_failed = 0;

struct TestCase {
  const char* name;
  void (*fn)();
};

inline std::vector<TestCase>& Registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* name, void (*fn)()) { Registry().push_back({name, fn}); }
};

inline void Fail(const char* file, int line, const std::string& what) {
  if (++g_failed <= 50) std::fprintf(stderr, "  FAILED %s:%d: %s\n", file, line, what.c_str());
}

template <typename A, typename B>
std::string DescribeEq(const char* expr_a, const char* expr_b, const A& a, const B& b) {
  std::ostringstream os;
  os << expr_a << " == " << expr_b << " (" << a << " vs " << b << ")";
  return os.str();
}

inline int RunAll(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  size_t failed_tests = 0, ran = 0;
  for (const TestCase& t : Registry()) {
    if (filter && !std::strstr(t.name, filter)) continue;
    const size_t failed_before = g_failed;
    const auto start = std::chrono::steady_clock::now();
    t.fn();
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start).count();
    const bool ok = g_failed == failed_before;
    failed_tests += ok ? 0 : 1;
    ++ran;
    std::printf("[%s] %s (%.0f ms)\n", ok ? "  OK  " : " FAIL ", t.name, ms);
    std::fflush(stdout);
  }
  std::printf("%zu tests, %zu failed\n", ran, failed_tests);
  std::printf("%zu passed, %zu failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace test
}  // namespace tachyon

#define TEST(name)                                                            \
  static void name##_Test();                                                  \
  static ::tachyon::test::Registrar name##_registrar(#name, &name##_Test);    \
  static void name##_Test()

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (cond) {                                                               \
      ++::tachyon::test::g_passed;                                            \
    } else {                                                                  \
      ::tachyon::test::Fail(__FILE__, __LINE__, #cond);                       \
    }                                                                         \
  } while (0)

#define CHECK_EQ(a, b)                                                        \
  do {                                                                        \
    const auto& check_a_ = (a);                                               \
    const auto& check_b_ = (b);                                               \
    if (check_a_ == check_b_) {                                               \
      ++::tachyon::test::g_passed;                                            \
    } else {                                                                  \
      ::tachyon::test::Fail(__FILE__, __LINE__,                               \
                            ::tachyon::test::DescribeEq(#a, #b, check_a_, check_b_)); \
    }                                                                         \
  } while (0)

#endif  // TACHYON_TESTS_CHECK_H_

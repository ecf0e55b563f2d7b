// Tests for protocol/request_parser. Run via scripts/native-tests.sh.
//
// Every expectation below was checked against redis-server 7.0.15 by sending the same
// bytes over TCP and looking at the reply (and whether the connection was closed).
//
// scripts/native-tests.sh links only native/core/*.cc, so the parser's single source file
// is compiled into this test directly.
#include "protocol/request_parser.cc"

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "protocol/request_parser.h"
#include "tests/check.h"

using tachyon::ArgRef;
using tachyon::ParserLimits;
using tachyon::RequestParser;
using Status = tachyon::RequestParser::Status;

namespace {

using Args = std::vector<std::string>;

// What a whole conversation produced: the requests (in order), then either an error or
// the number of bytes left unconsumed (an incomplete request).
struct Outcome {
  std::vector<Args> requests;
  bool error = false;
  std::string message;
  size_t leftover = 0;

  bool operator==(const Outcome& o) const {
    return requests == o.requests && error == o.error && message == o.message &&
           (error || leftover == o.leftover);
  }
};

std::string Show(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127 && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{";
  for (const Args& r : o.requests) {
    os << "[";
    for (size_t i = 0; i < r.size(); ++i) os << (i ? " " : "") << '"' << Show(r[i]) << '"';
    os << "]";
  }
  if (o.error) {
    os << " error: " << o.message;
  } else {
    os << " leftover: " << o.leftover;
  }
  return os << "}";
}

// Bookkeeping of invariants checked on every Parse call.
size_t g_invariant_failures = 0;

Args Extract(const RequestParser& p, const std::string& buf) {
  Args out;
  const std::string& src = p.args_inline() ? p.inline_storage() : buf;
  for (const ArgRef& a : p.args()) {
    if (a.offset > src.size() || a.len > src.size() - a.offset) {
      ++g_invariant_failures;
      out.emplace_back("<out of bounds>");
      continue;
    }
    out.emplace_back(src, a.offset, a.len);
  }
  return out;
}

// Feeds `input` to a fresh parser in chunks whose sizes come from `next_chunk`, parsing
// everything available after each chunk, like a connection would. With `compact`, the
// consumed prefix is dropped after every read, so incomplete requests move in the buffer.
template <typename ChunkFn>
Outcome Run(const std::string& input, ChunkFn next_chunk, bool compact,
            const ParserLimits& limits = ParserLimits()) {
  Outcome out;
  RequestParser parser;
  std::string buf;
  size_t pos = 0;
  size_t fed = 0;
  while (fed < input.size()) {
    size_t n = next_chunk();
    if (n == 0) n = 1;
    if (n > input.size() - fed) n = input.size() - fed;
    buf.append(input, fed, n);
    fed += n;
    for (;;) {
      const size_t before = pos;
      const Status st = parser.Parse(buf.data(), buf.size(), &pos, limits);
      if (pos < before || pos > buf.size()) ++g_invariant_failures;
      if (st == Status::kRequest) {
        if (pos == before) ++g_invariant_failures;  // must make progress
        Args args = Extract(parser, buf);
        if (!args.empty()) out.requests.push_back(std::move(args));
        continue;
      }
      if (pos != before) ++g_invariant_failures;
      if (st == Status::kError) {
        out.error = true;
        out.message = parser.error();
        return out;
      }
      break;  // kNeedMore
    }
    if (compact) {
      buf.erase(0, pos);
      pos = 0;
    }
  }
  out.leftover = buf.size() - pos;
  return out;
}

Outcome Whole(const std::string& input, const ParserLimits& limits = ParserLimits()) {
  return Run(input, [&] { return input.size(); }, false, limits);
}

Outcome Ok(std::vector<Args> requests, size_t leftover = 0) {
  Outcome o;
  o.requests = std::move(requests);
  o.leftover = leftover;
  return o;
}

Outcome Err(std::vector<Args> requests, const std::string& message) {
  Outcome o;
  o.requests = std::move(requests);
  o.error = true;
  o.message = message;
  return o;
}

const std::string kInvalidMbulk = "ERR Protocol error: invalid multibulk length";
const std::string kInvalidBulk = "ERR Protocol error: invalid bulk length";
const std::string kUnbalanced = "ERR Protocol error: unbalanced quotes in request";

std::string S(const char* s, size_t n) { return std::string(s, n); }

// Checks one input: in one piece, split at every byte boundary (with and without
// compaction), byte by byte, and in random chunks; all must agree with `want`.
void Expect(const std::string& input, const Outcome& want,
            const ParserLimits& limits = ParserLimits(), bool splits = true) {
  const Outcome whole = Whole(input, limits);
  CHECK_EQ(whole, want);
  if (!splits) return;
  bool all_same = true;
  for (size_t cut = 1; cut < input.size() && all_same; ++cut) {
    for (bool compact : {false, true}) {
      int call = 0;
      const Outcome got = Run(
          input, [&] { return call++ == 0 ? cut : input.size(); }, compact, limits);
      if (!(got == want)) {
        all_same = false;
        CHECK_EQ(got, want);
        std::fprintf(stderr, "    split at %zu (compact=%d) of %s\n", cut, compact,
                     Show(input).c_str());
      }
    }
  }
  CHECK(all_same);
  CHECK_EQ(Run(input, [] { return size_t{1}; }, true, limits), want);
  CHECK_EQ(Run(input, [] { return size_t{1}; }, false, limits), want);
  std::mt19937 rng(static_cast<uint32_t>(input.size()));
  for (int i = 0; i < 8; ++i) {
    CHECK_EQ(Run(input, [&] { return size_t{1} + rng() % 7; }, i & 1, limits), want);
  }
}

std::string Multibulk(const Args& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

}  // namespace

TEST(Multibulk_Basic) {
  Expect("*1\r\n$4\r\nPING\r\n", Ok({{"PING"}}));
  Expect("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", Ok({{"SET", "key", "value"}}));
  Expect("*1\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n", Ok({{""}, {"PING"}}));
  // Payloads are binary: CR, LF and NUL inside a bulk are data.
  Expect(S("*2\r\n$4\r\nECHO\r\n$6\r\n\r\n\0\r\n$\r\n", 26), Ok({{"ECHO", S("\r\n\0\r\n$", 6)}}));
  Expect(S("*1\r\n$4\r\nPI\0G\r\n*1\r\n$4\r\nPING\r\n", 28), Ok({{S("PI\0G", 4)}, {"PING"}}));
  // An incomplete request is left in the buffer.
  Expect("*2\r\n$3\r\nGET\r\n$1\r\nk", Ok({}, 18));
  Expect("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI", Ok({{"PING"}}, 10));
}

TEST(Multibulk_EmptyAndNegativeCounts) {
  // "*0", "*-1" and any other count <= 0 are consumed without a command.
  Expect("*0\r\n*1\r\n$4\r\nPING\r\n", Ok({{"PING"}}));
  Expect("*-1\r\n*1\r\n$4\r\nPING\r\n", Ok({{"PING"}}));
  Expect("*-99999999999\r\nPING\r\n", Ok({{"PING"}}));
  Expect("*-9223372036854775808\r\nPING\r\n", Ok({{"PING"}}));
  Expect("*-9223372036854775809\r\n", Err({}, kInvalidMbulk));

  RequestParser p;
  std::string buf = "*0\r\n";
  size_t pos = 0;
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kRequest);
  CHECK(p.args().empty());
  CHECK_EQ(pos, size_t{4});
}

TEST(Multibulk_CountLimits) {
  // Redis 7.0 allows up to INT_MAX arguments (the old 1024*1024 limit is gone).
  Expect("*1048577\r\n", Ok({}, 10));
  Expect("*2000000\r\n", Ok({}, 10));
  Expect("*2147483647\r\n", Ok({}, 13));
  Expect("*2147483648\r\n", Err({}, kInvalidMbulk));
  Expect("*3000000000\r\n", Err({}, kInvalidMbulk));
  Expect("*9223372036854775807\r\n", Err({}, kInvalidMbulk));
  Expect("*9223372036854775808\r\n", Err({}, kInvalidMbulk));
  Expect("*99999999999999999999\r\n", Err({}, kInvalidMbulk));
}

TEST(Multibulk_CountSyntax) {
  // string2ll: no '+', no spaces, no leading zeros, "-0" and "-" invalid, empty invalid.
  for (const char* bad : {"*-0\r\n", "*+1\r\n", "*01\r\n", "* 1\r\n", "*1 \r\n", "*\r\n",
                          "*-\r\n", "*1a\r\n", "*0x1\r\n"}) {
    Expect(bad, Err({}, kInvalidMbulk));
  }
  // The count line is whatever precedes the first '\r': a bare '\n' is part of it.
  Expect("*1\n$4\r\nPING\r\n", Err({}, kInvalidMbulk));
  Expect("*1" + std::string(30, '1') + "\r\n", Err({}, kInvalidMbulk));
}

TEST(Multibulk_SkipsByteAfterCR) {
  // Redis only checks that a byte follows the '\r' of a header line, then skips it.
  Expect("*1\rX$4\r\nPING\r\n", Ok({{"PING"}}));
  Expect("*1\r\n$4\rXPING\r\n", Ok({{"PING"}}));
  // A header whose '\r' is the last byte received waits for one more byte.
  Expect("*1\r", Ok({}, 3));
  Expect("*1\r\n$4\r", Ok({}, 7));
}

TEST(Multibulk_SkipsTwoBytesAfterPayload) {
  // The two bytes after a payload are skipped whatever they are.
  Expect("*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n", Ok({{"PING"}, {"PING"}}));
  Expect("*2\r\n$1\r\naXY$1\r\nbZZ", Ok({{"a", "b"}}));
  Expect("*1\r\n$4\r\nPINGx", Ok({}, 13));
}

TEST(Multibulk_BulkLengthErrors) {
  for (const char* bad : {"*1\r\n$-1\r\n", "*1\r\n$-0\r\n", "*1\r\n$04\r\n", "*1\r\n$+4\r\n",
                          "*1\r\n$abc\r\n", "*1\r\n$\r\n", "*1\r\n$-\r\n", "*1\r\n$ 4\r\n",
                          "*1\r\n$536870913\r\n", "*1\r\n$9223372036854775807\r\n",
                          "*1\r\n$99999999999999999999\r\n"}) {
    Expect(bad, Err({}, kInvalidBulk));
  }
  // '\n' is not a line end: the line runs to the next '\r'.
  Expect("*1\r\n$4\nPING\r\n", Err({}, kInvalidBulk));
  // The default proto-max-bulk-len (512 MB) itself is allowed.
  Expect("*1\r\n$536870912\r\n", Ok({}, 16));
  // Errors in a later argument still discard the request.
  Expect("*2\r\n$3\r\nGET\r\n$x\r\n", Err({}, kInvalidBulk));
  Expect("*1\r\n$4\r\nPING\r\n*1\r\n$-5\r\n", Err({{"PING"}}, kInvalidBulk));
}

TEST(Multibulk_ProtoMaxBulkLenAndMaster) {
  ParserLimits small;
  small.proto_max_bulk_len = 1024 * 1024;
  const std::string big = "*1\r\n$" + std::to_string(2 * 1024 * 1024) + "\r\n";
  Expect(big, Err({}, kInvalidBulk), small);
  Expect("*1\r\n$1048576\r\n", Ok({}, 14), small, false);
  // The master link is exempt from the limit (checked with a real 7.0 replica).
  ParserLimits master = small;
  master.is_master = true;
  Expect(big, Ok({}, big.size()), master, false);
  const std::string payload(2 * 1024 * 1024, 'v');
  Expect(big + payload + "\r\n", Ok({{payload}}), master, false);
  // Still no negative or non-numeric lengths for a master.
  Expect("*1\r\n$-1\r\n", Err({}, kInvalidBulk), master);
  Expect("*1\r\n$9223372036854775807\r\n", Ok({}, 26), master, false);
}

TEST(Multibulk_UnauthenticatedLimits) {
  ParserLimits unauth;
  unauth.auth_required = true;
  Expect("*10\r\n", Ok({}, 5), unauth);
  Expect("*11\r\n", Err({}, "ERR Protocol error: unauthenticated multibulk length"), unauth);
  Expect("*-5\r\n", Ok({}), unauth);
  Expect("*2\r\n$4\r\nAUTH\r\n$16384\r\n", Ok({}, 22), unauth);
  Expect("*2\r\n$4\r\nAUTH\r\n$16385\r\n",
         Err({}, "ERR Protocol error: unauthenticated bulk length"), unauth);
  // The invalid-length checks come first.
  Expect("*2147483648\r\n", Err({}, kInvalidMbulk), unauth);
  Expect("*1\r\n$536870913\r\n", Err({}, kInvalidBulk), unauth);
  Expect(Multibulk({"AUTH", "pw"}), Ok({{"AUTH", "pw"}}), unauth);
}

TEST(Multibulk_ExpectedDollar) {
  Expect("*1\r\nfoo\r\n", Err({}, "ERR Protocol error: expected '$', got 'f'"));
  Expect("*1\r\n:4\r\nPING\r\n", Err({}, "ERR Protocol error: expected '$', got ':'"));
  Expect("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
         Err({}, "ERR Protocol error: expected '$', got 'f'"));
  // Redis turns CR / LF in error messages into spaces.
  Expect("*1\r\n\r\n", Err({}, "ERR Protocol error: expected '$', got ' '"));
  Expect("*1\r\n\n\r\n", Err({}, "ERR Protocol error: expected '$', got ' '"));
  Expect("*1\r\n\xff\r\n", Err({}, "ERR Protocol error: expected '$', got '\xff'"));
  // Nothing is reported before the whole line is there.
  Expect("*1\r\nfoo", Ok({}, 7));
}

TEST(Multibulk_NulHidesLineEnd) {
  // Redis finds header lines with strchr(), which stops at a NUL byte: such a request
  // never completes (until the 64 KB limit).
  Expect(S("*1\0\r\n$4\r\nPING\r\n", 15), Ok({}, 15));
  Expect(S("*1\r\n$4\0\r\nPING\r\n", 15), Ok({}, 15));
  Expect(S("*1\r\n\0\r\n", 7), Ok({}, 7));
  Expect(S("*1\0", 3) + std::string(70000, 'x') + "\r\n",
         Err({}, "ERR Protocol error: too big mbulk count string"), ParserLimits(), false);
}

TEST(TooBigLines) {
  const size_t kMax = 64 * 1024;
  Expect("*" + std::string(kMax - 1, '1'), Ok({}, kMax), ParserLimits(), false);
  Expect("*" + std::string(kMax, '1'), Err({}, "ERR Protocol error: too big mbulk count string"),
         ParserLimits(), false);
  Expect("*1\r\n$" + std::string(kMax - 1, '1'), Ok({}, kMax + 4), ParserLimits(), false);
  Expect("*1\r\n$" + std::string(kMax, '1'),
         Err({}, "ERR Protocol error: too big bulk count string"), ParserLimits(), false);
  Expect(std::string(kMax, 'A'), Ok({}, kMax), ParserLimits(), false);
  Expect(std::string(kMax + 1, 'A'), Err({}, "ERR Protocol error: too big inline request"),
         ParserLimits(), false);
  Expect(std::string(kMax, 'A') + "\r\n", Ok({{std::string(kMax, 'A')}}), ParserLimits(),
         false);
  // The limit applies to what is buffered while no line end is found; a line end that is
  // already there wins (Redis reads in 16 KB pieces, so it sees the same).
  Expect(std::string(kMax + 1, 'A') + "\n", Ok({{std::string(kMax + 1, 'A')}}),
         ParserLimits(), false);
  Expect("PING\r\n" + std::string(70000, 'A'),
         Err({{"PING"}}, "ERR Protocol error: too big inline request"), ParserLimits(), false);
  Expect(S("PI\0NG", 5) + std::string(70000, 'x') + "\r\n",
         Err({}, "ERR Protocol error: too big inline request"), ParserLimits(), false);
  // A '\r' that is the last byte is a found line end: no "too big" error, just waiting.
  Expect("*" + std::string(kMax + 10, '1') + "\r", Ok({}, kMax + 12), ParserLimits(), false);
  // The same with data arriving in 16 KB reads, as Redis receives it.
  const std::string slow = "*" + std::string(kMax, '1');
  CHECK_EQ(Run(slow, [] { return size_t{16384}; }, true),
           Err({}, "ERR Protocol error: too big mbulk count string"));
}

TEST(Inline_Basic) {
  Expect("PING\r\n", Ok({{"PING"}}));
  Expect("PING\n", Ok({{"PING"}}));
  Expect("PING\r\r\n", Ok({{"PING"}}));
  Expect("  \t PING  \r\n", Ok({{"PING"}}));
  Expect("SET a b\r\nGET a\nDEL a\r\n", Ok({{"SET", "a", "b"}, {"GET", "a"}, {"DEL", "a"}}));
  Expect("ECHO\tx\r\n", Ok({{"ECHO", "x"}}));
  Expect("ECHO x\ry\r\n", Ok({{"ECHO", "x", "y"}}));
  // Empty and blank lines are consumed silently.
  Expect("\r\nPING\r\n", Ok({{"PING"}}));
  Expect("\nPING\r\n", Ok({{"PING"}}));
  Expect("  \r\nPING\r\n", Ok({{"PING"}}));
  Expect("\t\v\f\r\nPING\r\n", Ok({{"PING"}}));
  // Incomplete inline request.
  Expect("PING", Ok({}, 4));
  Expect("PING\r", Ok({}, 5));
  // A NUL byte hides the newline (strchr).
  Expect(S("PI\0NG\r\n", 7), Ok({}, 7));
  Expect(S("PING\0\r\nPING\r\n", 13), Ok({}, 13));
  // \v and \f separate only at the start of a token (isspace) but do not end one.
  Expect("ECHO \va\vb\r\n", Ok({{"ECHO", "a\vb"}}));
  Expect("ECHO \fa\r\n", Ok({{"ECHO", "a"}}));
  // Bytes >= 0x80 are never spaces.
  Expect("ECHO \xa0" "a\r\n", Ok({{"ECHO", "\xa0" "a"}}));

  RequestParser p;
  const std::string buf = "ECHO hello\r\n";
  size_t pos = 0;
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kRequest);
  CHECK(p.args_inline());
  CHECK_EQ(p.args().size(), size_t{2});
  CHECK_EQ(pos, buf.size());
}

TEST(Inline_Quoting) {
  Expect("SET \"a b\" 'c\\'d' \"\\x41\"\r\n", Ok({{"SET", "a b", "c'd", "A"}}));
  Expect("ECHO \"a b\"\r\n", Ok({{"ECHO", "a b"}}));
  Expect("ECHO 'c\\'d'\r\n", Ok({{"ECHO", "c'd"}}));
  Expect("ECHO \"\\x41\\x4a\\x4G\"\r\n", Ok({{"ECHO", "AJx4G"}}));
  Expect("ECHO \"\\xAb\\xaB\"\r\n", Ok({{"ECHO", "\xab\xab"}}));
  Expect("ECHO \"x\\xff\"\r\n", Ok({{"ECHO", "x\xff"}}));
  Expect("ECHO \"\\x4\"\r\n", Ok({{"ECHO", "x4"}}));
  Expect("ECHO \"\\x\"\r\n", Ok({{"ECHO", "x"}}));
  Expect("ECHO \"a\\nb\\r\\t\\b\\a\\z\\\\\\\"\"\r\n", Ok({{"ECHO", "a\nb\r\t\b\az\\\""}}));
  Expect("ECHO \"\\q\\'\"\r\n", Ok({{"ECHO", "q'"}}));
  Expect("ECHO \"x\\\"y\"\r\n", Ok({{"ECHO", "x\"y"}}));
  Expect("ECHO 'x\"y'\r\n", Ok({{"ECHO", "x\"y"}}));
  Expect("ECHO \"x'y\"\r\n", Ok({{"ECHO", "x'y"}}));
  // Single quotes: only \' is an escape.
  Expect("ECHO 'a\\x41'\r\n", Ok({{"ECHO", "a\\x41"}}));
  Expect("ECHO 'a\\\\b'\r\n", Ok({{"ECHO", "a\\\\b"}}));
  Expect("ECHO 'a\\' b'\r\n", Ok({{"ECHO", "a' b"}}));
  Expect("ECHO \"\"\r\n", Ok({{"ECHO", ""}}));
  Expect("ECHO ''\r\n", Ok({{"ECHO", ""}}));
  Expect("\"ECHO\" x\r\n", Ok({{"ECHO", "x"}}));
  Expect("ECHO \"a\" \"b\"\r\n", Ok({{"ECHO", "a", "b"}}));
  // A quote may open in the middle of a token; the closing quote ends the token.
  Expect("ECHO ab\"\"\r\n", Ok({{"ECHO", "ab"}}));
  Expect("ECHO ab''\r\n", Ok({{"ECHO", "ab"}}));
  Expect("ECHO a\"b c\"\r\n", Ok({{"ECHO", "ab c"}}));
  // Closing quote followed by any isspace() or the end of the line.
  Expect("ECHO \"a\"\t\r\n", Ok({{"ECHO", "a"}}));
  Expect("ECHO \"a\"\r\r\n", Ok({{"ECHO", "a"}}));
  Expect("ECHO \"a\"\v\r\n", Ok({{"ECHO", "a"}}));
  Expect("ECHO \"x\vy\"\r\n", Ok({{"ECHO", "x\vy"}}));
  Expect("ECHO \"a\"\n", Ok({{"ECHO", "a"}}));
}

TEST(Inline_UnbalancedQuotes) {
  for (const char* bad : {"ECHO \"a\"b\r\n", "ECHO 'a'b\r\n", "ECHO \"abc\r\n", "ECHO 'abc\r\n",
                          "ECHO a\"b c\"d\r\n", "ECHO a'b c'd\r\n", "ECHO \"a\"\"b\"\r\n",
                          "ECHO 'a\\'\r\n", "ECHO \"a\\\r\n", "ECHO \"\r\n", "ECHO '\r\n",
                          "\"\n"}) {
    Expect(bad, Err({}, kUnbalanced));
  }
  Expect("PING\r\nECHO \"x\r\nPING\r\n", Err({{"PING"}}, kUnbalanced));
}

TEST(Inline_Master) {
  ParserLimits master;
  master.is_master = true;
  // A master may send empty lines (keepalive) but nothing else inline; Redis closes the
  // link without replying (checked with a real 7.0 replica).
  Expect("\n\r\n" + Multibulk({"SET", "k", "1"}), Ok({{"SET", "k", "1"}}), master);
  Expect("SET k2 2\r\n", Err({}, ""), master);
  Expect("  \r\n", Err({}, ""), master);
  Expect("ECHO \"x\r\n", Err({}, kUnbalanced), master);
}

TEST(Pipeline_Thousands) {
  std::mt19937_64 rng(42);
  std::string input;
  std::vector<Args> want;
  for (int i = 0; i < 5000; ++i) {
    Args args;
    const int kind = static_cast<int>(rng() % 10);
    if (kind < 7) {
      const size_t argc = 1 + rng() % 6;
      for (size_t j = 0; j < argc; ++j) {
        std::string a(rng() % (rng() % 4 == 0 ? 3000 : 20), '\0');
        for (char& c : a) c = static_cast<char>(rng() % 256);
        args.push_back(std::move(a));
      }
      input += Multibulk(args);
      want.push_back(args);
    } else if (kind < 9) {
      const size_t argc = 1 + rng() % 5;
      std::string line;
      for (size_t j = 0; j < argc; ++j) {
        std::string a(1 + rng() % 10, 'a');
        for (char& c : a) c = static_cast<char>('a' + rng() % 26);
        line += (j ? " " : "") + a;
        args.push_back(a);
      }
      input += line + (rng() % 2 ? "\r\n" : "\n");
      want.push_back(args);
    } else {
      input += rng() % 2 ? "*0\r\n" : "\r\n";  // consumed silently
    }
  }
  const Outcome expected = Ok(want);
  CHECK_EQ(Whole(input), expected);
  for (int round = 0; round < 6; ++round) {
    std::mt19937 r(static_cast<uint32_t>(round));
    const size_t max_chunk = round < 2 ? 16 : round < 4 ? 4096 : 65536;
    CHECK_EQ(Run(input, [&] { return size_t{1} + r() % max_chunk; }, round & 1), expected);
  }
  CHECK_EQ(Run(input, [] { return size_t{1}; }, true), expected);
}

TEST(LargeStartOffset) {
  // Offsets are absolute in the caller's buffer, even when parsing starts far in.
  const std::string prefix(1000, '#');
  const std::string buf = prefix + Multibulk({"SET", "key", "value"});
  RequestParser p;
  size_t pos = prefix.size();
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kRequest);
  CHECK_EQ(pos, buf.size());
  CHECK(Extract(p, buf) == (Args{"SET", "key", "value"}));
  // pos at the end: need more.
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kNeedMore);
}

TEST(HugeBulkIncremental) {
  // A 100 MB value arriving in 64 KB reads into a growing buffer must be linear.
  const size_t kSize = 100 * 1024 * 1024;
  const std::string header = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(kSize) + "\r\n";
  std::string buf;
  buf.reserve(64);
  RequestParser p;
  size_t pos = 0;
  const ParserLimits limits;
  size_t calls = 0;
  bool reserved = false;
  bool pending_ok = true;
  double parse_secs = 0;
  size_t total = header.size() + kSize + 2;
  size_t fed = 0;
  Status st = Status::kNeedMore;
  while (fed < total) {
    const size_t n = std::min<size_t>(64 * 1024, total - fed);
    if (fed < header.size()) {
      const size_t h = std::min(n, header.size() - fed);
      buf.append(header, fed, h);
      buf.append(n - h, 'v');
    } else if (fed + n == total) {
      buf.append(n - 2, 'v');
      buf.append("\r\n");
    } else {
      buf.append(n, 'v');
    }
    fed += n;
    const auto t0 = std::chrono::steady_clock::now();
    st = p.Parse(buf.data(), buf.size(), &pos, limits);
    parse_secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++calls;
    if (st == Status::kNeedMore) {
      const size_t expect_pending = total - fed;
      if (p.pending_bulk_remaining() != expect_pending) pending_ok = false;
      if (!reserved) {  // what a connection would do with the hint
        buf.reserve(buf.size() + p.pending_bulk_remaining());
        reserved = true;
      }
    }
  }
  CHECK(st == Status::kRequest);
  CHECK(pending_ok);
  CHECK(reserved);
  CHECK_EQ(p.pending_bulk_remaining(), size_t{0});
  CHECK_EQ(pos, total);
  CHECK_EQ(p.args().size(), size_t{3});
  if (p.args().size() == 3) {
    CHECK_EQ(p.args()[2].len, kSize);
    CHECK_EQ(p.args()[2].offset, header.size());
  }
  CHECK(calls > 1000);
  // Rescanning the payload on every read would cost ~80 GB of memory traffic; the parser
  // must not look at payload bytes at all, so all the calls together take next to nothing.
  CHECK(parse_secs < 0.5);
  std::printf("    100 MB bulk in %zu reads: %.6f s inside Parse\n", calls, parse_secs);
}

TEST(SlowHeaderDoesNotRescan) {
  // A long run of bytes without '\r' trickling in byte by byte: each call only looks at
  // the new bytes (otherwise 64 KB * 64 KB / 2 comparisons would show up in the timing).
  RequestParser p;
  std::string buf = "*1\r\n$";
  size_t pos = 0;
  const auto start = std::chrono::steady_clock::now();
  Status st = Status::kNeedMore;
  for (size_t i = 0; i < 64 * 1024 && st == Status::kNeedMore; ++i) {
    buf.push_back('7');
    st = p.Parse(buf.data(), buf.size(), &pos, ParserLimits());
  }
  buf += "8";
  st = p.Parse(buf.data(), buf.size(), &pos, ParserLimits());
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(st == Status::kError);
  CHECK_EQ(p.error(), std::string("ERR Protocol error: too big bulk count string"));
  CHECK(secs < 2.0);
}

TEST(ResetForgetsPartialState) {
  RequestParser p;
  std::string buf = "*2\r\n$3\r\nGET\r\n$1\r\n";
  size_t pos = 0;
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kNeedMore);
  CHECK_EQ(pos, size_t{0});
  p.Reset();
  buf = "PING\r\n";
  pos = 0;
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kRequest);
  CHECK(Extract(p, buf) == (Args{"PING"}));
}

TEST(ErrorResetsParser) {
  RequestParser p;
  std::string buf = "*1\r\n$x\r\n";
  size_t pos = 0;
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kError);
  CHECK_EQ(p.error(), kInvalidBulk);
  CHECK_EQ(pos, size_t{0});
  buf = Multibulk({"PING"});
  CHECK(p.Parse(buf.data(), buf.size(), &pos, ParserLimits()) == Status::kRequest);
  CHECK(Extract(p, buf) == (Args{"PING"}));
}

TEST(RandomSplitsOfRandomGarbage) {
  // Whatever the bytes, every way of delivering them gives the same result (except for
  // the "too big" limits, which depend on how much is buffered; inputs stay below them).
  std::mt19937_64 rng(7);
  const char alphabet[] = {'*', '$', '\r', '\n', '0', '1', '2', '3', '-', 'a', ' ', '"',
                           '\'', '\\', 'x', '\0'};
  for (int iter = 0; iter < 300; ++iter) {
    std::string input;
    const size_t n = rng() % 60;
    for (size_t i = 0; i < n; ++i) {
      input.push_back(rng() % 3 == 0 ? static_cast<char>(rng() % 256)
                                     : alphabet[rng() % sizeof alphabet]);
    }
    if (rng() % 2) input = Multibulk({"SET", "k", "v"}) + input;
    const Outcome want = Whole(input);
    for (int k = 0; k < 10; ++k) {
      std::mt19937 r(static_cast<uint32_t>(iter * 100 + k));
      const Outcome got = Run(input, [&] { return size_t{1} + r() % 5; }, k & 1);
      if (!(got == want)) {
        CHECK_EQ(got, want);
        std::fprintf(stderr, "    input %s\n", Show(input).c_str());
        break;
      }
    }
  }
}

TEST(Invariants) { CHECK_EQ(g_invariant_failures, size_t{0}); }

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }

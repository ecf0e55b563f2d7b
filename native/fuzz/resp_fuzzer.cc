// libFuzzer target for protocol/request_parser.
//
// The first bytes of the input choose the parser limits and a chunking pattern; the rest
// is delivered to the parser in chunks, the way a connection would (parse everything
// available after each read, optionally dropping the consumed prefix of the buffer).
// Checked on every call: positions only move forward and stay in bounds, argument
// references stay in bounds, kNeedMore / kError never move *pos, kRequest always does,
// pending_bulk_remaining() is only reported for kNeedMore. At the end the outcome must
// equal that of parsing the whole input in one piece (unless a "too big" limit, which
// depends on how much is buffered, was involved).
//
// Build: cmake -DTACHYON_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ (or scripts/fuzz-resp.sh).
// With -DTACHYON_FUZZ_STANDALONE it builds with any compiler and runs the files given
// on the command line once (no fuzzing), e.g. to replay a crash under gdb.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/request_parser.h"

namespace {

using tachyon::ArgRef;
using tachyon::ParserLimits;
using tachyon::RequestParser;
using Status = RequestParser::Status;

#define FUZZ_ASSERT(cond)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "resp_fuzzer: invariant failed at %s:%d: %s\n",      \
                   __FILE__, __LINE__, #cond);                                 \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

struct Outcome {
  std::vector<std::string> args;  // all arguments, each request terminated by "\x01END"
  size_t requests = 0;
  bool error = false;
  std::string message;
  size_t consumed = 0;            // bytes consumed by complete requests
};

bool IsSizeDependent(const std::string& message) {
  return message.find("too big") != std::string::npos;
}

// Runs the parser over `data` delivered in chunks: sizes 1..64 taken from `pattern`
// cyclically, else `fixed` bytes at a time, else (both 0) all in one piece.
Outcome Run(const uint8_t* data, size_t size, const ParserLimits& limits,
            const uint8_t* pattern, size_t pattern_len, size_t fixed, bool compact) {
  Outcome out;
  RequestParser parser;
  std::string buf;
  size_t pos = 0;
  size_t fed = 0;
  size_t dropped = 0;  // bytes removed from the front of buf by compaction
  size_t step = 0;
  while (fed < size) {
    size_t n = size - fed;
    if (pattern_len > 0) {
      n = 1 + pattern[step++ % pattern_len] % 64;
    } else if (fixed > 0) {
      n = fixed;
    }
    if (n > size - fed) n = size - fed;
    buf.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    for (;;) {
      const size_t before = pos;
      const Status st = parser.Parse(buf.data(), buf.size(), &pos, limits);
      FUZZ_ASSERT(pos <= buf.size());
      if (st != Status::kNeedMore) FUZZ_ASSERT(parser.pending_bulk_remaining() == 0);
      if (st == Status::kRequest) {
        FUZZ_ASSERT(pos > before);
        const std::string& src = parser.args_inline() ? parser.inline_storage() : buf;
        for (const ArgRef& a : parser.args()) {
          FUZZ_ASSERT(a.offset <= src.size() && a.len <= src.size() - a.offset);
          if (!parser.args_inline()) {
            // A multibulk argument lies inside the request just consumed.
            FUZZ_ASSERT(a.offset >= before && a.offset + a.len <= pos);
          }
          out.args.emplace_back(src, a.offset, a.len);
        }
        if (!parser.args().empty()) {
          out.args.emplace_back("\x01END");
          ++out.requests;
        }
        out.consumed = dropped + pos;
        continue;
      }
      FUZZ_ASSERT(pos == before);
      if (st == Status::kError) {
        out.error = true;
        out.message = parser.error();
        FUZZ_ASSERT(out.message.empty() || out.message.compare(0, 4, "ERR ") == 0);
        return out;
      }
      break;
    }
    if (compact) {
      buf.erase(0, pos);
      dropped += pos;
      pos = 0;
    }
  }
  // Whatever is left must be an incomplete request, and the parser must still be usable
  // after Reset().
  parser.Reset();
  FUZZ_ASSERT(parser.pending_bulk_remaining() == 0);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Byte 0: limits. Byte 1: pattern length (chunk sizes follow), and compaction flag.
  ParserLimits limits;
  limits.is_master = data[0] & 1;
  limits.auth_required = (data[0] >> 1) & 1;
  if ((data[0] >> 2) & 1) limits.proto_max_bulk_len = 1 + (data[0] >> 3);  // tiny limit
  const bool compact = data[1] & 1;
  size_t pattern_len = (data[1] >> 1) % 16;
  if (pattern_len > size - 2) pattern_len = size - 2;
  const uint8_t* pattern = data + 2;
  const uint8_t* body = data + 2 + pattern_len;
  const size_t body_size = size - 2 - pattern_len;

  const Outcome whole = Run(body, body_size, limits, nullptr, 0, 0, false);
  const Outcome chunked = Run(body, body_size, limits, pattern, pattern_len, 0, compact);
  const Outcome bytewise = Run(body, body_size, limits, nullptr, 0, 1, !compact);
  if (IsSizeDependent(whole.message) || IsSizeDependent(chunked.message)) return 0;
  FUZZ_ASSERT(whole.error == chunked.error);
  FUZZ_ASSERT(whole.message == chunked.message);
  FUZZ_ASSERT(whole.requests == chunked.requests);
  FUZZ_ASSERT(whole.args == chunked.args);
  FUZZ_ASSERT(whole.consumed == chunked.consumed);
  FUZZ_ASSERT(whole.args == bytewise.args && whole.message == bytewise.message);
  return 0;
}

#include "fuzz/standalone_main.h"

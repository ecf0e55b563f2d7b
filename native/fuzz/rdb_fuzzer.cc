// libFuzzer target for the RDB decoder (server/rdb_reader): RESTORE payload
// values and whole snapshot files, the bytes Tachyon accepts from outside.
//
// The first input byte chooses the mode and the encoding thresholds (small
// ones push values through the listpack -> hashtable/skiplist conversions);
// the rest is decoded:
//   mode 0-2  one value (type byte + body), as RESTORE decodes it. When it
//             decodes, its DUMP payload must decode again and re-encode to the
//             same bytes (encode o decode is stable), and the value's size must
//             survive the round trip. A stream that decodes is then used the way
//             commands use one (walked both ways, lag computed, an entry added,
//             trimmed, deleted, cloned), since an accepted stream must behave.
//   mode 3    a whole RDB file into 16 databases (checksums verified or not),
//             then again through a ByteFeed in chunks (diskless loading on a
//             replica): the same outcome, and the bytes after the RDB handed
//             back intact.
// Any crash, sanitizer report or failed invariant is a bug; RdbError is the
// expected outcome for bad input.
//
// Build and run: scripts/fuzz-rdb.sh. With -DTACHYON_FUZZ_STANDALONE it builds
// with any compiler and runs the files given on the command line once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "server/byte_feed.h"
#include "server/db.h"
#include "server/object.h"
#include "server/rdb_reader.h"
#include "server/rdb_writer.h"
#include "server/stream_value.h"

namespace {

using namespace tachyon;

#define FUZZ_ASSERT(cond)                                                                      \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "rdb_fuzzer: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

size_t ValueLength(const Entry* e) { return e->type == kString ? 1 : e->collection()->Length(); }

// Decodes one value (type byte + body); nullptr on RdbError or an empty value.
Entry* DecodeValue(const unsigned char* data, size_t size, const RdbLoadLimits& limits) {
  try {
    RdbInput in(data, size);
    RdbReader reader(in, limits);
    const uint8_t type = reader.LoadType();
    LoadedValue v;
    if (!reader.LoadObject(type, &v)) return nullptr;
    return MakeLoadedEntry("key", v);
  } catch (const RdbError&) {
    return nullptr;
  }
}

RdbLoadLimits LimitsFor(uint8_t selector) {
  RdbLoadLimits l;
  if (selector & 0x10) {
    l.hash_max_listpack_entries = 2;
    l.hash_max_listpack_value = 4;
    l.set_max_intset_entries = 2;
    l.zset_max_listpack_entries = 2;
    l.zset_max_listpack_value = 4;
    l.list_fill = 2;
  }
  if (selector & 0x20) l.list_compress_depth = 1;
  return l;
}

// What XRANGE, XREVRANGE, XINFO, XADD, XTRIM, XDEL and the RDB writer do to a stream.
void ExerciseStream(StreamValue* s) {
  size_t forward = 0, backward = 0;
  for (StreamIterator it(*s, StreamId::Min(), StreamId::Max(), false); it.Next(); forward++) {
    stream_node::FieldCursor fields = it.Fields();
    for (int64_t i = 0; i < it.num_fields(); i++) {
      LpValue f, v;
      fields.Next(&f, &v);
    }
  }
  for (StreamIterator it(*s, StreamId::Min(), StreamId::Max(), true); it.Next();) backward++;
  FUZZ_ASSERT(forward == backward);
  FUZZ_ASSERT(forward == s->length());
  for (const auto& [name, g] : s->groups()) {
    int64_t lag;
    s->GroupLag(*g, &lag);
    for (const auto& [id, nack] : g->pel) s->EntryExists(id);
  }
  s->RadixTreeNodes();
  s->MemoryUsage(5);         // MEMORY USAGE default sampling
  s->MemoryUsage(SIZE_MAX);  // SAMPLES 0: every node
  std::unique_ptr<Collection> clone(s->Clone());
  FUZZ_ASSERT(clone->Length() == s->length());
  StreamId first;
  if (s->FirstValidId(&first)) FUZZ_ASSERT(s->DeleteEntry(first));
  if (!s->last_id().IsMax()) {
    const std::string_view fv[] = {"field", "value"};
    StreamId added;
    s->Add(nullptr, true, 1700000000000, fv, 1, StreamValue::Limits{64, 2}, &added);
  }
  StreamValue::Trim trim;
  trim.strategy = StreamValue::Trim::kMaxLen;
  trim.maxlen = s->length() / 2;
  s->TrimEntries(trim);
  size_t left = 0;
  for (StreamIterator it(*s, StreamId::Min(), StreamId::Max(), false); it.Next();) left++;
  FUZZ_ASSERT(left == s->length());
}

void FuzzValue(const unsigned char* data, size_t size, uint8_t selector) {
  const RdbLoadLimits limits = LimitsFor(selector);
  Entry* e = DecodeValue(data, size, limits);
  if (!e) return;
  const bool compress = selector & 0x40;
  const std::string payload = CreateDumpPayload(e, compress);
  FUZZ_ASSERT(payload.size() >= 10);
  Entry* again = DecodeValue(reinterpret_cast<const unsigned char*>(payload.data()), payload.size() - 10, limits);
  FUZZ_ASSERT(again != nullptr);
  FUZZ_ASSERT(again->type == e->type);
  FUZZ_ASSERT(ValueLength(again) == ValueLength(e));
  // Hashtable encodings come out in table order, which may differ between two
  // tables of different history; everything else must re-encode identically.
  if (e->encoding != kEncHashtable) FUZZ_ASSERT(CreateDumpPayload(again, compress) == payload);
  if (e->type == kStream) ExerciseStream(e->as<StreamValue>());
  FreeEntry(again);
  FreeEntry(e);
}

void FuzzFile(const unsigned char* data, size_t size, uint8_t selector) {
  AccessClock clock;
  std::vector<std::unique_ptr<Db>> owned;
  std::vector<Db*> dbs;
  for (int i = 0; i < 16; i++) {
    owned.push_back(std::make_unique<Db>(i, &clock, nullptr));
    dbs.push_back(owned.back().get());
  }
  RdbLoadOptions opt;
  opt.limits = LimitsFor(selector);
  opt.now_ms = 1700000000000;
  opt.verify_checksum = selector & 0x40;
  opt.aof_preamble = selector & 0x80;
  RdbInput in(data, size);
  RdbLoadResult result;
  RdbLoadSnapshot(in, dbs, opt, &result);
  if (result.ok) FUZZ_ASSERT(result.end_offset <= size);

  // The same bytes as socket reads of some size, the feed closed first (no waiting).
  std::vector<std::unique_ptr<Db>> owned2;
  std::vector<Db*> dbs2;
  for (int i = 0; i < 16; i++) {
    owned2.push_back(std::make_unique<Db>(i, &clock, nullptr));
    dbs2.push_back(owned2.back().get());
  }
  ByteFeed feed;
  const size_t chunk = 1 + static_cast<size_t>((selector >> 2) & 0x0f) * 97;
  for (size_t at = 0; at < size; at += chunk) feed.Push(data + at, std::min(chunk, size - at));
  feed.Close();
  RdbInput fed(&feed);
  RdbLoadResult result2;
  RdbLoadSnapshot(fed, dbs2, opt, &result2);
  FUZZ_ASSERT(result2.ok == result.ok);
  FUZZ_ASSERT(result2.keys_loaded == result.keys_loaded);
  if (result.ok) {
    FUZZ_ASSERT(result2.end_offset == result.end_offset);
    const std::string rest = fed.TakeBuffered() + feed.TakeRest();
    FUZZ_ASSERT(rest == std::string(reinterpret_cast<const char*>(data) + result.end_offset, size - result.end_offset));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  if ((selector & 3) == 3) {
    FuzzFile(data + 1, size - 1, selector);
  } else {
    FuzzValue(data + 1, size - 1, selector);
  }
  return 0;
}

#include "fuzz/standalone_main.h"

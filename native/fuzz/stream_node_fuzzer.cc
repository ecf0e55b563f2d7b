// libFuzzer target for stream node validation (stream_node::Validate), the
// check every node read from an RDB file or RESTORE payload must pass. The
// input's first byte picks the master id's shape; the rest is the node. When
// validation accepts a node, walking it both ways and reading every field
// must stay in bounds and agree with what validation reported.
//
//   scripts/fuzz-stream-node.sh 60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/listpack.h"
#include "core/stream_id.h"
#include "core/stream_listpack.h"

using namespace tachyon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const StreamId master = (data[0] & 1) ? StreamId{1, 1} : StreamId{UINT64_MAX - data[0], data[0]};
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  int64_t count = 0;
  StreamId last;
  if (!stream_node::Validate(bytes, master, true, &count, &last)) return 0;
  Listpack lp;
  if (!Listpack::FromBytes(bytes, &lp)) __builtin_trap();
  stream_node::Master m = stream_node::ReadMaster(lp);
  int64_t live = 0;
  StreamId seen;
  for (size_t p = m.first_entry; p != Listpack::npos;) {
    stream_node::NodeEntry e = stream_node::ReadEntry(lp, m, master, p);
    stream_node::FieldCursor c(lp, m, e);
    for (int64_t i = 0; i < e.num_fields; i++) {
      LpValue f, v;
      c.Next(&f, &v);
    }
    live += !e.deleted();
    seen = e.id;
    p = stream_node::NextEntry(lp, e);
  }
  for (size_t p = stream_node::LastEntry(lp, m); p != Listpack::npos; p = stream_node::PrevEntry(lp, m, p)) {
    (void)stream_node::ReadEntry(lp, m, master, p);
  }
  if (live != count || seen != last || m.count != count) __builtin_trap();
  return 0;
}

// ListValue: see list_value.h.
#include "server/list_value.h"

namespace tachyon {

size_t ListValue::MemoryUsage(size_t samples) const {
  size_t n = 0;
  size_t nodes = 0, bytes = 0;
  for (const QuicklistNode* node = ql_.head(); node && nodes < samples; node = node->next, nodes++) {
    bytes += ZMallocSize(node) + (node->is_plain ? ZMallocSize(node->plain.block()) : ZMallocSize(node->lp.data()));
  }
  if (nodes) n += static_cast<size_t>(static_cast<double>(bytes) / nodes * ql_.node_count());
  return n;
}

Collection* ListValue::Clone() const {
  // The copy keeps the node layout, fill and compress depth (like COPY in
  // Redis, which duplicates the quicklist node by node).
  return new ListValue(Quicklist(ql_));
}

LpValue ListValue::Peek(ListWhere where) const {
  const QuicklistNode* node = where == ListWhere::kHead ? ql_.head() : ql_.tail();
  if (node->is_plain) {
    LpValue v;
    v.str = reinterpret_cast<const unsigned char*>(node->plain.data());
    v.len = static_cast<uint32_t>(node->plain.size());
    return v;
  }
  return node->lp.Get(where == ListWhere::kHead ? node->lp.First() : node->lp.Last());
}

}  // namespace tachyon

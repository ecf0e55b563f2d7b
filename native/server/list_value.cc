// ListValue: see list_value.h.
#include "server/list_value.h"

namespace tachyon {

size_t ListValue::MemoryUsage() const {
  size_t n = sizeof(*this);
  for (const QuicklistNode* node = ql_.head(); node; node = node->next) {
    n += sizeof(QuicklistNode) + (node->is_plain ? node->plain.capacity() : node->lp.bytes());
  }
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

// Shared string value helpers. See string_value.h.
#include "server/string_value.h"

#include <climits>

#include "core/util.h"
#include "protocol/reply.h"
#include "server/server.h"

namespace tachyon {

namespace {
constexpr size_t kMaxPrealloc = 1024 * 1024;
}  // namespace

size_t GreedyCapacity(size_t len) { return len < kMaxPrealloc ? len * 2 : len + kMaxPrealloc; }

std::string_view StringBytes(const Entry* e, char* buf) {
  if (e->is_int()) return std::string_view(buf, FormatInt(buf, e->int_value()));
  return e->str();
}

size_t StringLength(const Entry* e) { return e->is_int() ? SDigits10(e->int_value()) : e->vlen; }

bool CheckStringLength(CommandContext& c, uint64_t total) {
  int64_t max = c.server.settings().proto_max_bulk_len;
  if ((max >= 0 && total > static_cast<uint64_t>(max)) || total > UINT32_MAX) {
    c.reply.Error(err::kStringTooLong);
    return false;
  }
  return true;
}

Entry* UnshareForWrite(CommandContext& c, Entry* e, size_t need) {
  if (e->is_int()) {
    char buf[kIntBufSize];
    size_t n = FormatInt(buf, e->int_value());
    size_t cap = need > n ? GreedyCapacity(need) : n;
    Entry* ne = NewStringEntry(e->key(), e->hash, std::string_view(buf, n), kEncRaw, cap);
    if (cap > n) ne->flags |= kGrownString;
    return c.db->Replace(ne, /*keep_ttl=*/true);
  }
  e->encoding = kEncRaw;
  if (InlineCapacity(e) < need) e = c.db->ResizeString(e, GreedyCapacity(need));
  return e;
}

}  // namespace tachyon

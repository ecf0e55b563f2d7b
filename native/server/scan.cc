// SCAN argument handling and replies shared by SCAN, HSCAN, SSCAN and ZSCAN.
#include "server/scan.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "core/glob.h"

namespace tachyon {

// Redis's parseScanCursorOrReply: strtoul() semantics on the NUL-terminated
// argument: any base-10 unsigned 64-bit value, an optional sign (a '-'
// negates modulo 2^64), no leading space, nothing after the digits; "" is 0.
bool CommandContext::ParseCursor(int i, uint64_t* out) {
  const std::string s(arg(i));  // strtoull stops at an embedded NUL, as in Redis
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = strtoull(s.c_str(), &end, 10);
  if (isspace(static_cast<unsigned char>(s.c_str()[0])) || *end != '\0' || errno == ERANGE) {
    reply.Error("ERR invalid cursor");
    return false;
  }
  *out = v;
  return true;
}

bool ParseScanOptions(CommandContext& c, int first, bool allow_type, ScanOptions* out) {
  for (int i = first; i < c.argc; i += 2) {
    const bool has_value = c.argc - i >= 2;
    if (c.Is(i, "count") && has_value) {
      if (!c.ParseInt(i + 1, &out->count)) return false;
      if (out->count < 1) {
        c.SyntaxError();
        return false;
      }
    } else if (c.Is(i, "match") && has_value) {
      out->pattern = c.arg(i + 1);
      out->use_pattern = out->pattern != "*";
    } else if (allow_type && c.Is(i, "type") && has_value) {
      out->type = c.arg(i + 1);
      out->use_type = true;
    } else {
      c.SyntaxError();
      return false;
    }
  }
  return true;
}

bool ScanMatch(const ScanOptions& opts, std::string_view s) { return !opts.use_pattern || GlobMatch(opts.pattern, s); }

bool BeginCollectionScan(CommandContext& c, ObjType type, uint64_t* cursor, Entry** e, ScanOptions* opts) {
  if (!c.ParseCursor(2, cursor)) return false;
  if (!c.ReadKeyOfType(c.arg(1), type, e)) return false;
  if (!*e) {
    c.reply.Array(2);
    c.reply.Bulk("0");
    c.reply.Array(0);
    return false;
  }
  return ParseScanOptions(c, 3, /*allow_type=*/false, opts);
}

void ReplyScanPairs(CommandContext& c, uint64_t cursor, std::vector<std::pair<std::string, std::string>>& items,
                    const ScanOptions& opts) {
  size_t kept = 0;
  for (size_t i = 0; i < items.size(); i++) {
    if (!ScanMatch(opts, items[i].first)) continue;
    if (kept != i) items[kept] = std::move(items[i]);
    kept++;
  }
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.Array(kept * 2);
  for (size_t i = 0; i < kept; i++) {
    c.reply.Bulk(items[i].first);
    c.reply.Bulk(items[i].second);
  }
}

}  // namespace tachyon

// The SCAN family's shared argument handling and replies: SCAN walks the
// keyspace (keys_family.cc), HSCAN, SSCAN and ZSCAN walk one collection
// (hash/set/zset families). Cursor parsing (CommandContext::ParseCursor,
// defined here), [MATCH pattern] [COUNT count] [TYPE type] with Redis's error
// texts, and the [cursor, [items]] reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/command.h"

namespace tachyon {

struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;  // a MATCH other than "*"
  std::string_view type;     // SCAN's TYPE (any name; an unknown one matches nothing)
  bool use_type = false;
};

// Parses the options from argv[first] on; TYPE only when allow_type (SCAN),
// else it is a syntax error as in Redis. Replies the error and returns false
// on failure.
bool ParseScanOptions(CommandContext& c, int first, bool allow_type, ScanOptions* out);

// The MATCH filter (Redis's case-sensitive stringmatchlen).
bool ScanMatch(const ScanOptions& opts, std::string_view s);

// The common start of HSCAN/SSCAN/ZSCAN key cursor [MATCH p] [COUNT n]: parses
// the cursor, looks the key up (WRONGTYPE), replies an empty scan for a missing
// key and parses the options. Returns false when a reply was already written.
bool BeginCollectionScan(CommandContext& c, ObjType type, uint64_t* cursor, Entry** e, ScanOptions* opts);

// Replies [cursor, [name, value, ...]] for HSCAN/ZSCAN, dropping the pairs whose
// name does not match the MATCH pattern (Redis filters after collecting).
void ReplyScanPairs(CommandContext& c, uint64_t cursor, std::vector<std::pair<std::string, std::string>>& items,
                    const ScanOptions& opts);

}  // namespace tachyon

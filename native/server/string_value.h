// String values as the string, bitmap and HyperLogLog families share them:
// the bytes of a value whatever its encoding, the proto-max-bulk-len check,
// and Redis's dbUnshareStringValue (a value about to be modified in place
// becomes a raw string with room to grow). See object.h for the layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/command.h"
#include "server/object.h"

namespace tachyon {

// Room for a formatted int64 ("-9223372036854775808").
inline constexpr size_t kIntBufSize = 24;

// Like sds's greedy growth: twice the needed room below 1 MB, 1 MB extra
// above, so repeated appends are amortised O(1).
size_t GreedyCapacity(size_t len);

// The bytes of a string value; an int-encoded value is formatted into buf
// (at least kIntBufSize bytes).
std::string_view StringBytes(const Entry* e, char* buf);

// Redis's stringObjectLen.
size_t StringLength(const Entry* e);

// checkStringLength: a value may not grow past proto-max-bulk-len (nor past
// what an inline value can hold). Replies the error and returns false.
bool CheckStringLength(CommandContext& c, uint64_t total);

// dbUnshareStringValue plus room for `need` bytes: makes e's value a raw
// string that can grow in place to `need` bytes (an int becomes its decimal
// text). Returns the entry, which may have moved.
Entry* UnshareForWrite(CommandContext& c, Entry* e, size_t need);

}  // namespace tachyon

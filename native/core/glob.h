// Glob-style pattern matching with the exact semantics of Redis 7.0's
// stringmatchlen() (util.c): `*`, `?`, `[...]` classes with ranges and `^`
// negation, `\` escapes, optional ASCII case folding. Used by KEYS, SCAN
// MATCH, PSUBSCRIBE and friends. No allocation; recursion depth is bounded
// (1000 nested `*`) and the skip-longer-matches rule keeps patterns such as
// "a*a*a*...b" linear. Bytes compare as signed chars, as Redis does on x86,
// on every platform. See src/util/glob.ts for the TypeScript twin.
#pragma once

#include <string_view>

namespace tachyon {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace tachyon

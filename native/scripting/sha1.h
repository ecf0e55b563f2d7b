// SHA-1 digests as lowercase hex, for the script cache (EVALSHA) and redis.sha1hex.
#pragma once

#include <string>
#include <string_view>

namespace tachyon {

// 40 lowercase hex digits of the SHA-1 of data.
std::string Sha1Hex(std::string_view data);

}  // namespace tachyon

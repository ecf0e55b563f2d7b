// SHA-1 (FIPS 180-4): the script cache's digests (EVALSHA, redis.sha1hex) and
// DEBUG DIGEST's mixing (server/digest.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tachyon {

// The 20-byte SHA-1 of data.
void Sha1(const void* data, size_t len, uint8_t out[20]);

// 40 lowercase hex digits of the SHA-1 of data.
std::string Sha1Hex(std::string_view data);

// 40 lowercase hex digits of 20 bytes.
std::string HexDigest(const uint8_t digest[20]);

}  // namespace tachyon

// CRC-64/Jones as Redis computes it for DUMP payloads, RDB files and FUNCTION
// DUMP: reflected polynomial 0xad93d23594c935a9, initial value 0, no final xor.
#pragma once

#include <cstdint>

namespace tachyon {

// Continues crc over l bytes at s (start with crc = 0).
uint64_t Crc64(uint64_t crc, const unsigned char* s, uint64_t l);

}  // namespace tachyon

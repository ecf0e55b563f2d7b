// FUNCTION DUMP / FUNCTION RESTORE payloads, byte for byte as Redis 7.0 writes
// them: per library the RDB function opcode (0xf5) and the library code as an
// RDB string (LZF-compressed when that saves space, as with rdbcompression
// on), then the RDB version (10) as two little-endian bytes and the CRC-64 of
// everything before it, little-endian.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tachyon {

std::string DumpFunctions(const std::vector<std::string>& codes);
// Checks version and checksum and extracts the library codes; on failure
// *error is Redis's reply text.
bool ParseFunctionDump(std::string_view payload, std::vector<std::string>* codes, std::string* error);

}  // namespace tachyon

// CRC-64/Jones: the checksum of RDB files, DUMP payloads and FUNCTION DUMP.
//
// Polynomial 0xad93d23594c935a9 in reflected form (0x95ac9329ac4bc9b5),
// reflected input and output, initial value and final xor 0 -- the variant
// Redis uses, so Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca. The value
// is chained: Crc64(Crc64(0, a, n), b, m) equals the CRC of a followed by b.
// Table-driven, eight bytes per step.
#ifndef TACHYON_CORE_CRC64_H_
#define TACHYON_CORE_CRC64_H_

#include <cstdint>

namespace tachyon {

uint64_t Crc64(uint64_t crc, const unsigned char* s, uint64_t l);

}  // namespace tachyon

#endif  // TACHYON_CORE_CRC64_H_

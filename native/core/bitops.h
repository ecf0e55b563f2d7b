// Bit operations on byte strings, with the bit numbering Redis's bitmap
// commands use: bit 0 is the most significant bit of the first byte, bit 8
// the most significant bit of the second, and so on. Integers read or
// written by BITFIELD are big-endian in that numbering at any bit offset.
//
// Nothing here knows about keys or replies: SETBIT/GETBIT/BITCOUNT/BITPOS/
// BITOP/BITFIELD (server/bitmap_family.cc) call these on a value's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tachyon {
namespace bitops {

// Number of set bits in p[0..n).
uint64_t Popcount(const uint8_t* p, size_t n);

// Position of the first bit equal to `bit` (0 or 1) in p[0..n), counting
// from bit 0 of p[0]. The bytes are taken as followed by zeros: looking for
// a 0 in all-ones bytes gives n * 8; looking for a 1 in all-zero bytes
// gives -1 (Redis's redisBitpos).
int64_t FindFirst(const uint8_t* p, size_t n, int bit);

// The bits-wide (1..64) unsigned integer at bit `offset`; the caller makes
// sure every byte it touches exists.
uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, int bits);
// The same, sign-extended from its top bit.
int64_t GetSigned(const uint8_t* p, uint64_t offset, int bits);
// Stores the low `bits` bits of value at bit `offset`.
void SetUnsigned(uint8_t* p, uint64_t offset, int bits, uint64_t value);

// What BITFIELD OVERFLOW does when a SET or INCRBY does not fit.
enum class Overflow { kWrap, kSat, kFail };

// Whether value + incr fits a bits-wide unsigned (bits <= 63) or signed
// (bits <= 64) integer: 0 if it does, 1 on overflow, -1 on underflow. When
// it does not fit and the mode is kWrap or kSat, *limit gets the value to
// store instead (the wrapped result, or the saturated bound). This is
// Redis's checkUnsignedBitfieldOverflow / checkSignedBitfieldOverflow,
// including how a SET value already outside the range is treated.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t* limit);
int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow mode, int64_t* limit);

enum class BitOp { kAnd, kOr, kXor, kNot };

// BITOP: combines `count` sources (missing bytes read as zero) into out,
// which has room for the longest source (`maxlen` bytes). NOT takes one
// source.
void Combine(BitOp op, const std::string_view* sources, size_t count, size_t maxlen, uint8_t* out);

}  // namespace bitops
}  // namespace tachyon

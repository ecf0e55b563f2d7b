// LZF compression in the format of liblzf 3.6 (what Redis stores in RDB files
// and DUMP payloads), producing the same bytes as the compressor Redis 7.0
// ships when its hash table starts empty.
//
// Compressed stream: a sequence of
//   000LLLLL <L+1 bytes>            literal run of 1..32 bytes
//   LLLooooo oooooooo               back reference of L+2 bytes (L = 1..6)
//   111ooooo LLLLLLLL oooooooo      back reference of L+9 bytes
// where the reference starts o+1 bytes before the current output position
// (o < 8192) and may overlap the bytes it produces.
//
// The compressor is liblzf's "very fast" variant: a 65536-slot table indexed
// by a hash of the next three input bytes remembers the last position where
// they were seen; a candidate 1..8192 bytes back whose three bytes match starts
// a reference, extended up to 264 bytes; after a reference only its last two
// positions are entered into the table. Redis's table is uninitialised stack
// memory, so in rare cases Redis finds an extra match through a stale slot;
// for the same input this implementation always gives what Redis gives from
// a clean table. The table here is reused between calls and invalidated by a
// moving base instead of being cleared (clearing 256 KB per short string would
// dominate SAVE).
#ifndef TACHYON_CORE_LZF_H_
#define TACHYON_CORE_LZF_H_

#include <cstddef>
#include <cstdint>

namespace tachyon {

// Compresses in[0..in_len) into out, which must have room for out_len + 1
// bytes (like Redis, which allocates one byte of slack). Returns the
// compressed size, or 0 if the result would not fit in out_len bytes (or if
// either length is 0).
size_t LzfCompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_len);

// Decompresses in[0..in_len) into out[0..out_len). Returns the decompressed
// size, or 0 if the output does not fit or the stream is malformed (a
// reference before the start of the output, a run past the end of the input).
// Never reads or writes outside the given buffers.
size_t LzfDecompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_len);

}  // namespace tachyon

#endif  // TACHYON_CORE_LZF_H_

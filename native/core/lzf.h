// LZF compression (the format Redis uses for long strings in RDB files, DUMP
// and FUNCTION DUMP payloads).
#pragma once

#include <cstddef>
#include <string>

namespace tachyon {

// Compresses in into out (at most out_cap bytes); returns the compressed
// length, or 0 when it does not fit (the caller then stores the raw bytes).
size_t LzfCompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_cap);
// Decompresses into out (exactly out_len bytes expected); false on corrupt input.
bool LzfDecompress(const unsigned char* in, size_t in_len, unsigned char* out, size_t out_len);

}  // namespace tachyon

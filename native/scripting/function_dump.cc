// FUNCTION DUMP / RESTORE payloads (see function_dump.h).
#include "scripting/function_dump.h"

#include <cstdint>
#include <vector>

#include "core/crc64.h"
#include "core/lzf.h"

namespace tachyon {

namespace {

constexpr unsigned char kOpcodeFunction2 = 245;
constexpr unsigned char kOpcodeFunction = 246;  // Redis 7.0 RC payloads: not accepted by 7.0.15 either
constexpr int kRdbVersion = 10;
constexpr unsigned char kEncLzf = 0xc3;  // RDB_ENCVAL << 6 | RDB_ENC_LZF

void SaveLen(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

// Redis's rdbSaveRawString for a library's code (never a small integer).
void SaveString(std::string* out, const std::string& s) {
  if (s.size() > 20) {
    std::vector<unsigned char> buf(s.size());
    size_t n = s.size() > 4 ? LzfCompress(reinterpret_cast<const unsigned char*>(s.data()), s.size(), buf.data(),
                                          s.size() - 4)
                            : 0;
    if (n > 0) {
      out->push_back(static_cast<char>(kEncLzf));
      SaveLen(out, n);
      SaveLen(out, s.size());
      out->append(reinterpret_cast<const char*>(buf.data()), n);
      return;
    }
  }
  SaveLen(out, s.size());
  out->append(s);
}

struct Reader {
  std::string_view in;
  size_t pos = 0;
  bool ok = true;

  unsigned char Byte() {
    if (pos >= in.size()) {
      ok = false;
      return 0;
    }
    return static_cast<unsigned char>(in[pos++]);
  }
  // Returns the length, or sets *encoded with the special encoding number.
  uint64_t Len(bool* encoded) {
    *encoded = false;
    unsigned char b = Byte();
    int type = b >> 6;
    if (type == 0) return b & 0x3f;
    if (type == 1) return (static_cast<uint64_t>(b & 0x3f) << 8) | Byte();
    if (type == 3) {
      *encoded = true;
      return b & 0x3f;
    }
    int bytes = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
    if (!bytes) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | Byte();
    return v;
  }
  bool String(std::string* out) {
    bool encoded;
    uint64_t len = Len(&encoded);
    if (!ok) return false;
    if (encoded) {
      if (len == 0 || len == 1 || len == 2) {  // 8/16/32-bit integers as strings
        int bytes = 1 << len;
        int64_t v = 0;
        for (int i = 0; i < bytes; i++) v |= static_cast<int64_t>(Byte()) << (8 * i);
        if (bytes == 1) v = static_cast<int8_t>(v);
        else if (bytes == 2) v = static_cast<int16_t>(v);
        else v = static_cast<int32_t>(v);
        *out = std::to_string(v);
        return ok;
      }
      if (len != 3) return ok = false;
      bool e1, e2;
      uint64_t clen = Len(&e1);
      uint64_t ulen = Len(&e2);
      if (!ok || e1 || e2 || clen > in.size() - pos || ulen > (1ULL << 32)) return ok = false;
      out->assign(ulen, '\0');
      if (!LzfDecompress(reinterpret_cast<const unsigned char*>(in.data() + pos), clen,
                         reinterpret_cast<unsigned char*>(out->data()), ulen)) {
        return ok = false;
      }
      pos += clen;
      return true;
    }
    if (len > in.size() - pos) return ok = false;
    out->assign(in.substr(pos, len));
    pos += len;
    return true;
  }
};

}  // namespace

std::string DumpFunctions(const std::vector<std::string>& codes) {
  std::string out;
  for (const std::string& code : codes) {
    out.push_back(static_cast<char>(kOpcodeFunction2));
    SaveString(&out, code);
  }
  out.push_back(static_cast<char>(kRdbVersion & 0xff));
  out.push_back(static_cast<char>((kRdbVersion >> 8) & 0xff));
  uint64_t crc = Crc64(0, reinterpret_cast<const unsigned char*>(out.data()), out.size());
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

bool ParseFunctionDump(std::string_view payload, std::vector<std::string>* codes, std::string* error) {
  if (payload.size() < 10) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(payload.data());
  size_t n = payload.size();
  int version = p[n - 10] | (p[n - 9] << 8);
  uint64_t crc = 0;
  for (int i = 0; i < 8; i++) crc |= static_cast<uint64_t>(p[n - 8 + i]) << (8 * i);
  if (version > kRdbVersion || Crc64(0, p, n - 8) != crc) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  Reader r{payload.substr(0, n - 10)};
  while (r.pos < r.in.size()) {
    unsigned char type = r.Byte();
    if (type != kOpcodeFunction2) {
      *error = type == kOpcodeFunction ? "ERR Pre-GA function format not supported" : "ERR given type is not a function";
      return false;
    }
    std::string code;
    if (!r.String(&code)) {
      *error = "ERR failed loading the given functions payload";
      return false;
    }
    codes->push_back(std::move(code));
  }
  return true;
}

}  // namespace tachyon

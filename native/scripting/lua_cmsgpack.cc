// cmsgpack: MessagePack for Lua with the behaviour of lua-cmsgpack 0.4.0 as
// Redis ships it (pack, unpack, unpack_one, unpack_limit). Encoding choices
// follow that library so packed bytes match Redis's: integral numbers use the
// smallest integer form, other numbers a float32 when it round-trips exactly
// and a float64 otherwise; strings use fixstr/str8/str16/str32; a table whose
// keys are exactly 1..n is an array (an empty table too), anything else a
// map; tables nested deeper than 16 levels encode as nil.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "scripting/lua_libs.h"

extern "C" {
#include <lauxlib.h>
}

namespace tachyon {

namespace {

constexpr int kMaxNesting = 16;

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void EncodeInt(std::string* out, int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      out->push_back(static_cast<char>(n));
    } else if (n <= 0xff) {
      out->push_back(static_cast<char>(0xcc));
      PutBig(out, n, 1);
    } else if (n <= 0xffff) {
      out->push_back(static_cast<char>(0xcd));
      PutBig(out, n, 2);
    } else if (n <= 0xffffffffLL) {
      out->push_back(static_cast<char>(0xce));
      PutBig(out, n, 4);
    } else {
      out->push_back(static_cast<char>(0xcf));
      PutBig(out, n, 8);
    }
  } else {
    if (n >= -32) {
      out->push_back(static_cast<char>(n));
    } else if (n >= -128) {
      out->push_back(static_cast<char>(0xd0));
      PutBig(out, static_cast<uint64_t>(n), 1);
    } else if (n >= -32768) {
      out->push_back(static_cast<char>(0xd1));
      PutBig(out, static_cast<uint64_t>(n), 2);
    } else if (n >= -2147483648LL) {
      out->push_back(static_cast<char>(0xd2));
      PutBig(out, static_cast<uint64_t>(n), 4);
    } else {
      out->push_back(static_cast<char>(0xd3));
      PutBig(out, static_cast<uint64_t>(n), 8);
    }
  }
}

void EncodeDouble(std::string* out, double d) {
  float f = static_cast<float>(d);
  if (d == static_cast<double>(f)) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    out->push_back(static_cast<char>(0xca));
    PutBig(out, bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    out->push_back(static_cast<char>(0xcb));
    PutBig(out, bits, 8);
  }
}

void EncodeString(std::string* out, const char* s, size_t len) {
  if (len < 32) {
    out->push_back(static_cast<char>(0xa0 | len));
  } else if (len <= 0xff) {
    out->push_back(static_cast<char>(0xd9));
    PutBig(out, len, 1);
  } else if (len <= 0xffff) {
    out->push_back(static_cast<char>(0xda));
    PutBig(out, len, 2);
  } else {
    out->push_back(static_cast<char>(0xdb));
    PutBig(out, len, 4);
  }
  out->append(s, len);
}

void EncodeHeader(std::string* out, size_t n, int fix, int c16, int c32) {
  if (n <= 15) {
    out->push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    out->push_back(static_cast<char>(c16));
    PutBig(out, n, 2);
  } else {
    out->push_back(static_cast<char>(c32));
    PutBig(out, n, 4);
  }
}

// An integral double that a 64-bit integer represents exactly.
bool IsInt64(double n) {
  return !std::isinf(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
         static_cast<double>(static_cast<int64_t>(n)) == n;
}

// True when the table on top of the stack has exactly the keys 1..n (n may be 0).
bool IsArray(lua_State* L) {
  int top = lua_gettop(L);
  long long count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    double n = lua_tonumber(L, -1);
    if (!IsInt64(n) || n < 1) {
      lua_settop(L, top);
      return false;
    }
    count++;
    if (static_cast<long long>(n) > max) max = static_cast<long long>(n);
  }
  lua_settop(L, top);
  return max == count;
}

void EncodeValue(lua_State* L, std::string* out, int level);

void EncodeTable(lua_State* L, std::string* out, int level) {
  luaL_checkstack(L, 3, "cmsgpack: table too deep");
  if (IsArray(L)) {
    size_t len = lua_objlen(L, -1);
    EncodeHeader(out, len, 0x90, 0xdc, 0xdd);
    for (size_t j = 1; j <= len; j++) {
      lua_pushnumber(L, static_cast<lua_Number>(j));
      lua_gettable(L, -2);
      EncodeValue(L, out, level + 1);
    }
    return;
  }
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    count++;
  }
  EncodeHeader(out, count, 0x80, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    EncodeValue(L, out, level + 1);  // the key
    EncodeValue(L, out, level + 1);  // the value
  }
}

// Encodes the value on top of the stack and pops it.
void EncodeValue(lua_State* L, std::string* out, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == kMaxNesting) t = LUA_TNIL;
  switch (t) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out->push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER: {
      double n = lua_tonumber(L, -1);
      if (IsInt64(n)) EncodeInt(out, static_cast<int64_t>(n));
      else EncodeDouble(out, n);
      break;
    }
    case LUA_TTABLE:
      EncodeTable(L, out, level);
      break;
    default:
      out->push_back(static_cast<char>(0xc0));
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= nargs; i++) {
    lua_pushvalue(L, i);
    EncodeValue(L, &out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// ---- Decoding ----

struct Cursor {
  const unsigned char* p;
  size_t left;
  int err = 0;  // 1: input ends early, 2: bad format
};

constexpr int kEof = 1;
constexpr int kBadFormat = 2;

uint64_t GetBig(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
  return v;
}

void Decode(lua_State* L, Cursor* c);

void DecodeArray(lua_State* L, Cursor* c, size_t len) {
  luaL_checkstack(L, 3, "cmsgpack: nesting too deep");
  lua_newtable(L);
  for (size_t i = 1; i <= len; i++) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    Decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t len) {
  luaL_checkstack(L, 3, "cmsgpack: nesting too deep");
  lua_newtable(L);
  while (len--) {
    Decode(L, c);
    if (c->err) return;
    Decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

bool Need(Cursor* c, size_t n) {
  if (c->left < n) {
    c->err = kEof;
    return false;
  }
  return true;
}

void Consume(Cursor* c, size_t n) {
  c->p += n;
  c->left -= n;
}

// Pushes a string of a length given by `bytes` big-endian bytes after the type byte.
void DecodeSized(lua_State* L, Cursor* c, int bytes, int kind) {
  if (!Need(c, 1 + bytes)) return;
  size_t len = static_cast<size_t>(GetBig(c->p + 1, bytes));
  if (kind == 0) {
    if (!Need(c, 1 + bytes + len)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c->p + 1 + bytes), len);
    Consume(c, 1 + bytes + len);
  } else {
    Consume(c, 1 + bytes);
    if (kind == 1) DecodeArray(L, c, len);
    else DecodeMap(L, c, len);
  }
}

void Decode(lua_State* L, Cursor* c) {
  if (!Need(c, 1)) return;
  unsigned char b = c->p[0];
  switch (b) {
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      int bytes = 1 << (b - 0xcc);
      if (!Need(c, 1 + bytes)) return;
      lua_pushnumber(L, static_cast<lua_Number>(GetBig(c->p + 1, bytes)));
      Consume(c, 1 + bytes);
      return;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      int bytes = 1 << (b - 0xd0);
      if (!Need(c, 1 + bytes)) return;
      uint64_t v = GetBig(c->p + 1, bytes);
      int64_t s;
      if (bytes == 1) s = static_cast<int8_t>(v);
      else if (bytes == 2) s = static_cast<int16_t>(v);
      else if (bytes == 4) s = static_cast<int32_t>(v);
      else s = static_cast<int64_t>(v);
      lua_pushnumber(L, static_cast<lua_Number>(s));
      Consume(c, 1 + bytes);
      return;
    }
    case 0xc0:
      lua_pushnil(L);
      Consume(c, 1);
      return;
    case 0xc2:
    case 0xc3:
      lua_pushboolean(L, b == 0xc3);
      Consume(c, 1);
      return;
    case 0xca: {
      if (!Need(c, 5)) return;
      uint32_t bits = static_cast<uint32_t>(GetBig(c->p + 1, 4));
      float f;
      memcpy(&f, &bits, 4);
      lua_pushnumber(L, f);
      Consume(c, 5);
      return;
    }
    case 0xcb: {
      if (!Need(c, 9)) return;
      uint64_t bits = GetBig(c->p + 1, 8);
      double d;
      memcpy(&d, &bits, 8);
      lua_pushnumber(L, d);
      Consume(c, 9);
      return;
    }
    case 0xc4: return DecodeSized(L, c, 1, 0);  // bin 8/16/32 decode as strings
    case 0xc5: return DecodeSized(L, c, 2, 0);
    case 0xc6: return DecodeSized(L, c, 4, 0);
    case 0xd9: return DecodeSized(L, c, 1, 0);
    case 0xda: return DecodeSized(L, c, 2, 0);
    case 0xdb: return DecodeSized(L, c, 4, 0);
    case 0xdc: return DecodeSized(L, c, 2, 1);
    case 0xdd: return DecodeSized(L, c, 4, 1);
    case 0xde: return DecodeSized(L, c, 2, 2);
    case 0xdf: return DecodeSized(L, c, 4, 2);
    default:
      break;
  }
  if ((b & 0x80) == 0) {  // positive fixnum
    lua_pushnumber(L, b);
    Consume(c, 1);
  } else if ((b & 0xe0) == 0xe0) {  // negative fixnum
    lua_pushnumber(L, static_cast<int8_t>(b));
    Consume(c, 1);
  } else if ((b & 0xe0) == 0xa0) {  // fixstr
    size_t len = b & 0x1f;
    if (!Need(c, 1 + len)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c->p + 1), len);
    Consume(c, 1 + len);
  } else if ((b & 0xf0) == 0x90) {  // fixarray
    Consume(c, 1);
    DecodeArray(L, c, b & 0xf);
  } else if ((b & 0xf0) == 0x80) {  // fixmap
    Consume(c, 1);
    DecodeMap(L, c, b & 0xf);
  } else {
    c->err = kBadFormat;
  }
}

int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (all) limit = INT32_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  for (; c.left > 0 && count < limit; count++) {
    luaL_checkstack(L, 2, "cmsgpack: too many values");
    Decode(L, &c);
    if (c.err == kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    // The offset of the next value, or -1 once everything is consumed, goes first.
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);
    count++;
  }
  return count;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int UnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  static const luaL_Reg kFuncs[] = {
      {"pack", Pack}, {"unpack", Unpack}, {"unpack_one", UnpackOne}, {"unpack_limit", UnpackLimit}, {nullptr, nullptr}};
  lua_newtable(L);
  for (const luaL_Reg* f = kFuncs; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushstring(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushstring(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushstring(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace tachyon

// struct: packing numbers and strings into binary strings (struct.pack,
// struct.unpack, struct.size) with the format language of the struct library
// Redis loads: '<' '>' endianness, '![n]' alignment, 'x' padding, 'b' 'B' 'h'
// 'H' 'l' 'L' 'T' 'i[n]' 'I[n]' integers, 'f' 'd' floats, 'c[n]' fixed
// strings, 's' zero-terminated strings; error texts are that library's.
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "scripting/lua_libs.h"

extern "C" {
#include <lauxlib.h>
}

namespace tachyon {

namespace {

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;

struct Header {
  bool big = false;  // the native order of the machines Tachyon runs on is little-endian
  int align = 1;
};

int GetNum(lua_State* L, const char** fmt, int def) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return def;
  int a = 0;
  do {
    int digit = **fmt - '0';
    if (a > (INT_MAX / 10) || a * 10 > (INT_MAX - digit)) luaL_error(L, "integral size overflow");
    a = a * 10 + digit;
    (*fmt)++;
  } while (isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

size_t OptSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return sizeof(size_t);
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return static_cast<size_t>(GetNum(L, fmt, 1));
    case 'i': case 'I': {
      int sz = GetNum(L, fmt, 4);
      if (sz > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", sz, kMaxIntSize);
      return static_cast<size_t>(sz);
    }
    default: return 0;
  }
}

size_t ToAlign(size_t len, const Header& h, char opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return (size - (len & (size - 1))) & (size - 1);
}

void ControlOption(lua_State* L, char opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ': return;
    case '>': h->big = true; return;
    case '<': h->big = false; return;
    case '!': {
      int a = GetNum(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default: {
      const char* msg = lua_pushfstring(L, "invalid format option '%c'", opt);
      luaL_argerror(L, 1, msg);
    }
  }
}

void PutInteger(lua_State* L, std::string* out, int arg, bool big, size_t size) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; i++) {
    buf[big ? size - 1 - i : i] = static_cast<char>(value & 0xff);
    value = i < 7 ? value >> 8 : 0;
  }
  out->append(buf, size);
}

void OrderBytes(char* p, size_t size, bool big) {
  if (!big) return;
  for (size_t i = 0; i < size / 2; i++) std::swap(p[i], p[size - 1 - i]);
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  std::string out;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    size_t pad = ToAlign(total, h, opt, size);
    total += pad;
    out.append(pad, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        PutInteger(L, &out, arg++, h.big, size);
        break;
      case 'x':
        out.push_back('\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        char b[4];
        memcpy(b, &f, 4);
        OrderBytes(b, 4, h.big);
        out.append(b, 4);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        char b[8];
        memcpy(b, &d, 8);
        OrderBytes(b, 8, h.big);
        out.append(b, 8);
        break;
      }
      case 'c': case 's': {
        size_t l;
        const char* s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        out.append(s, size);
        if (opt == 's') {
          out.push_back('\0');
          size++;
        }
        break;
      }
      default:
        ControlOption(L, opt, &fmt, &h);
    }
    total += size;
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

lua_Number GetInteger(const char* p, bool big, bool is_signed, size_t size) {
  uint64_t l = 0;
  for (size_t i = 0; i < size; i++) {
    unsigned char byte = static_cast<unsigned char>(p[big ? i : size - 1 - i]);
    l = (l << 8) | byte;
  }
  if (!is_signed) return static_cast<lua_Number>(l);
  if (size < 8) {
    uint64_t mask = ~uint64_t{0} << (size * 8 - 1);
    if (l & mask) l |= mask;  // sign extension
  }
  return static_cast<lua_Number>(static_cast<int64_t>(l));
}

int Unpack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(start) - 1;
  int n = 0;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += ToAlign(pos, h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, GetInteger(data + pos, h.big, islower(static_cast<unsigned char>(opt)), size));
        n++;
        break;
      case 'x':
        break;
      case 'f': {
        char b[4];
        memcpy(b, data + pos, 4);
        OrderBytes(b, 4, h.big);
        float f;
        memcpy(&f, b, 4);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        char b[8];
        memcpy(b, data + pos, 8);
        OrderBytes(b, 8, h.big);
        double d;
        memcpy(&d, b, 8);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c': {
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      }
      case 's': {
        const char* e = static_cast<const char*>(memchr(data + pos, '\0', ld - pos));
        if (!e) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(e - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        ControlOption(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int Size(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt) {
    char opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += ToAlign(pos, h, opt, size);
    if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
    else if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
    if (!isalnum(static_cast<unsigned char>(opt))) ControlOption(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, Pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, Unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, Size);
  lua_setfield(L, -2, "size");
  return 1;
}

}  // namespace tachyon

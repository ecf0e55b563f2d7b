// The Lua libraries Redis loads that Tachyon implements itself (cmsgpack and
// struct; cjson and bit come from Debian's lua-cjson and lua-bitop builds).
#pragma once

extern "C" {
#include <lua.h>
}

namespace tachyon {

// Each pushes its library table (also usable as a lua_CFunction opener).
int OpenCmsgpack(lua_State* L);
int OpenStruct(lua_State* L);

}  // namespace tachyon

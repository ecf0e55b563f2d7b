// Argument matching the way Redis does it with strcasecmp() on an
// argument's C string: the comparison stops at the first NUL byte, so
// "get\0junk" matches "get". Commands that Redis parses like that
// (BITOP's operation, BITFIELD's subcommands, units, PFDEBUG's
// subcommands ...) use this to accept exactly what Redis accepts.
#pragma once

#include <cctype>
#include <string_view>

namespace tachyon {

// The part of an argument a C string function sees.
inline std::string_view CString(std::string_view arg) {
  size_t nul = arg.find('\0');
  return nul == std::string_view::npos ? arg : arg.substr(0, nul);
}

// strcasecmp(arg, token) == 0; token is lowercase ASCII without NUL.
inline bool CStringIs(std::string_view arg, std::string_view token) {
  arg = CString(arg);
  if (arg.size() != token.size()) return false;
  for (size_t i = 0; i < arg.size(); i++) {
    if (tolower(static_cast<unsigned char>(arg[i])) != token[i]) return false;
  }
  return true;
}

}  // namespace tachyon

#include "core/glob.h"

#include <cstddef>

namespace tachyon {
namespace {

constexpr int kMaxNesting = 1000;

// Byte value as a signed char (what Redis sees on x86), whatever the
// platform's char signedness.
inline int SignedByte(unsigned char b) { return b >= 0x80 ? static_cast<int>(b) - 0x100 : b; }

// C-locale tolower() on a char value (bytes >= 0x80 are left alone).
inline int Lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

struct Matcher {
  const unsigned char* pat;
  size_t pat_size;
  const unsigned char* str;
  bool nocase;
  bool skip_longer_matches = false;

  // Reads past the end of the pattern see a NUL, like the C string in Redis.
  int PatAt(size_t i) const { return i < pat_size ? pat[i] : 0; }

  // Invariant: pi + plen == pat_size (plen is what is left of the pattern).
  bool Match(size_t pi, size_t plen, size_t si, size_t slen, int nesting) {
    if (nesting > kMaxNesting) return false;

    while (plen > 0 && slen > 0) {
      const int pc = PatAt(pi);
      if (pc == '*') {
        while (PatAt(pi + 1) == '*') {
          pi++;
          plen--;
        }
        if (plen == 1) return true;
        while (slen > 0) {
          if (Match(pi + 1, plen - 1, si, slen, nesting + 1)) return true;
          if (skip_longer_matches) return false;
          si++;
          slen--;
        }
        // The rest of the pattern fails from every later position, so no
        // earlier '*' can succeed by consuming more: abort the whole search.
        skip_longer_matches = true;
        return false;
      } else if (pc == '?') {
        si++;
        slen--;
      } else if (pc == '[') {
        pi++;
        plen--;
        const bool negate = PatAt(pi) == '^';
        if (negate) {
          pi++;
          plen--;
        }
        const int c = str[si];
        bool matched = false;
        for (;;) {
          const int cur = PatAt(pi);
          if (cur == '\\' && plen >= 2) {
            pi++;
            plen--;
            if (PatAt(pi) == c) matched = true;
          } else if (cur == ']') {
            break;
          } else if (plen == 0) {
            // Unterminated class: step back so the advance below lands on
            // the end of the pattern.
            pi--;
            plen++;
            break;
          } else if (plen >= 3 && PatAt(pi + 1) == '-') {
            int start = SignedByte(static_cast<unsigned char>(cur));
            int end = SignedByte(static_cast<unsigned char>(PatAt(pi + 2)));
            int ch = SignedByte(static_cast<unsigned char>(c));
            if (start > end) {
              const int t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = Lower(start);
              end = Lower(end);
              ch = Lower(ch);
            }
            pi += 2;
            plen -= 2;
            if (ch >= start && ch <= end) matched = true;
          } else if (!nocase) {
            if (cur == c) matched = true;
          } else if (Lower(SignedByte(static_cast<unsigned char>(cur))) ==
                     Lower(SignedByte(static_cast<unsigned char>(c)))) {
            matched = true;
          }
          pi++;
          plen--;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        si++;
        slen--;
      } else {
        int lit = pc;
        if (pc == '\\' && plen >= 2) {
          pi++;
          plen--;
          lit = PatAt(pi);
        }
        const int c = str[si];
        if (!nocase) {
          if (lit != c) return false;
        } else if (Lower(SignedByte(static_cast<unsigned char>(lit))) !=
                   Lower(SignedByte(static_cast<unsigned char>(c)))) {
          return false;
        }
        si++;
        slen--;
      }
      pi++;
      plen--;
      if (slen == 0) {
        while (PatAt(pi) == '*') {
          pi++;
          plen--;
        }
        break;
      }
    }
    return plen == 0 && slen == 0;
  }
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  Matcher m{reinterpret_cast<const unsigned char*>(pattern.data()), pattern.size(),
            reinterpret_cast<const unsigned char*>(str.data()), nocase};
  return m.Match(0, pattern.size(), 0, str.size(), 0);
}

}  // namespace tachyon

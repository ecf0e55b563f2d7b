/**
 * Glob-style matching with the exact semantics of Redis 7.0's
 * `stringmatchlen()` (util.c), used by KEYS, SCAN MATCH, PSUBSCRIBE,
 * CONFIG GET, ACL patterns...
 *
 * Supported syntax, operating on bytes:
 *   *        any run of bytes (also the empty one)
 *   ?        exactly one byte
 *   [abc]    one byte out of the set; [^abc] negates; [a-z] is a range (a
 *            reversed range such as [z-a] is swapped); \x inside a class is a
 *            literal x; an unterminated class runs to the end of the pattern
 *   \x       literal x (a trailing lone backslash matches a backslash)
 *
 * Quirks kept on purpose because Redis has them:
 *   - bytes are compared as C `char`, i.e. signed on x86, so in a range bytes
 *     >= 0x80 sort before 0x00;
 *   - `nocase` folds only ASCII A-Z (C locale `tolower`), and an escaped byte
 *     inside a class is always compared case-sensitively;
 *   - in a nocase range the ends are swapped *before* folding, so [Z-a]
 *     matches nothing when nocase is set;
 *   - an empty subject matches only the empty pattern (the matcher never runs
 *     its loop), so `*` does not match "" — KEYS/SCAN short-circuit a bare
 *     `*` themselves;
 *   - protection against abusive patterns: recursion is abandoned past a
 *     nesting depth of 1000 `*`, and once the rest of a pattern failed to
 *     match at every position the whole search stops (skipLongerMatches).
 *     This keeps patterns like "a*a*a*a*...b" linear instead of exponential.
 */

type Bytes = Uint8Array;

const MAX_NESTING = 1000;

function toBytes(v: string | Uint8Array): Bytes {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** Byte as C `char` on x86 (signed). */
function sc(b: number): number {
  return b >= 0x80 ? b - 0x100 : b;
}

/** C-locale tolower on a (possibly negative) char value. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

interface State {
  skipLongerMatches: boolean;
}

function matchImpl(
  pat: Bytes,
  pi: number,
  plen: number,
  str: Bytes,
  si: number,
  slen: number,
  nocase: boolean,
  st: State,
  nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;
  // Reads past the end of the pattern see the C string's NUL terminator.
  const pAt = (i: number): number => (i < pat.length ? pat[i] : 0);

  while (plen > 0 && slen > 0) {
    const pc = pAt(pi);
    if (pc === 0x2a /* '*' */) {
      while (pAt(pi + 1) === 0x2a) {
        pi++;
        plen--;
      }
      if (plen === 1) return true;
      while (slen > 0) {
        if (matchImpl(pat, pi + 1, plen - 1, str, si, slen, nocase, st, nesting + 1)) return true;
        if (st.skipLongerMatches) return false;
        si++;
        slen--;
      }
      // Nothing matched the rest of the pattern from any later position: no
      // earlier '*' can do better by swallowing more, so stop everything.
      st.skipLongerMatches = true;
      return false;
    } else if (pc === 0x3f /* '?' */) {
      si++;
      slen--;
    } else if (pc === 0x5b /* '[' */) {
      pi++;
      plen--;
      const negate = pAt(pi) === 0x5e; /* '^' */
      if (negate) {
        pi++;
        plen--;
      }
      const c = str[si];
      let matched = false;
      for (;;) {
        const cur = pAt(pi);
        if (cur === 0x5c /* '\\' */ && plen >= 2) {
          pi++;
          plen--;
          if (pAt(pi) === c) matched = true;
        } else if (cur === 0x5d /* ']' */) {
          break;
        } else if (plen === 0) {
          // Unterminated class: step back so the common advance below lands
          // exactly on the end of the pattern.
          pi--;
          plen++;
          break;
        } else if (plen >= 3 && pAt(pi + 1) === 0x2d /* '-' */) {
          let start = sc(cur);
          let end = sc(pAt(pi + 2));
          let ch = sc(c);
          if (start > end) {
            const t = start;
            start = end;
            end = t;
          }
          if (nocase) {
            start = lower(start);
            end = lower(end);
            ch = lower(ch);
          }
          pi += 2;
          plen -= 2;
          if (ch >= start && ch <= end) matched = true;
        } else if (!nocase) {
          if (cur === c) matched = true;
        } else if (lower(sc(cur)) === lower(sc(c))) {
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
      let lit = pc;
      if (pc === 0x5c /* '\\' */ && plen >= 2) {
        pi++;
        plen--;
        lit = pAt(pi);
      }
      const c = str[si];
      if (!nocase) {
        if (lit !== c) return false;
      } else if (lower(sc(lit)) !== lower(sc(c))) {
        return false;
      }
      si++;
      slen--;
    }
    pi++;
    plen--;
    if (slen === 0) {
      while (pAt(pi) === 0x2a) {
        pi++;
        plen--;
      }
      break;
    }
  }
  return plen === 0 && slen === 0;
}

/**
 * True when `subject` matches the glob `pattern` exactly as Redis 7.0's
 * stringmatchlen() decides. Strings are matched as their UTF-8 bytes.
 */
export function globMatch(pattern: string | Uint8Array, subject: string | Uint8Array, nocase = false): boolean {
  const p = toBytes(pattern);
  const s = toBytes(subject);
  return matchImpl(p, 0, p.length, s, 0, s.length, nocase, { skipLongerMatches: false }, 0);
}

/** True when the pattern contains a glob metacharacter (`*`, `?` or `[`). */
export function hasGlobChars(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

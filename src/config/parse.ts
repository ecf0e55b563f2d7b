/**
 * redis.conf syntax and the redis-server command line.
 *
 * - splitArgs(): Redis's argument splitting (sdssplitargs): blanks separate
 *   arguments; "double quotes" understand \n \r \t \b \a \\ \" \xHH (any
 *   other escaped char stands for itself); 'single quotes' only understand
 *   \'; a closing quote must be followed by a blank or the end of the line;
 *   unbalanced quotes are an error (null).
 * - repr(): Redis's sdscatrepr(), the quoting CONFIG REWRITE and the command
 *   line use to write a value back.
 * - parseConfigFile(): a config file (or string) as a list of directives, in
 *   the order and with the line numbers loadServerConfigFromString() reports.
 * - parseArgv() / argvToConfigText(): redis-server's command line rules.
 */

/** A fatal configuration problem; `message` is the exact text to print to stderr. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Banner printed by fatal configuration errors (Redis prints "(Redis 7.0.15)"). */
export const FATAL_CONFIG_HEADER = '\n*** FATAL CONFIG FILE ERROR (Tachyon) ***';

/**
 * The text Redis prints for a fatal error in a configuration line:
 *
 *   \n*** FATAL CONFIG FILE ERROR (Tachyon) ***
 *   Reading the configuration file, at line N
 *   >>> 'directive args'
 *   <reason>
 *
 * (without the final newline). `line` null = the error is not about a line.
 */
export function formatFatalConfigError(reason: string, lineNumber: number | null, line: string | null): string {
  let out = `${FATAL_CONFIG_HEADER}\n`;
  if (lineNumber !== null && line !== null) {
    out += `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`;
  }
  return out + reason;
}

// ---------------------------------------------------------------------------
// Bytes <-> strings
// ---------------------------------------------------------------------------

/**
 * Decodes the bytes of one argument: UTF-8 when they are valid UTF-8 (the
 * normal case), else Latin-1 so that no byte is lost.
 */
export function decodeArg(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let ascii = true;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return buf.toString('latin1');
  const s = buf.toString('utf8');
  return Buffer.from(s, 'utf8').equals(buf) ? s : buf.toString('latin1');
}

function toBuffer(text: string | Uint8Array): Buffer {
  if (typeof text === 'string') return Buffer.from(text, 'utf8');
  return Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
}

// ---------------------------------------------------------------------------
// sdssplitargs
// ---------------------------------------------------------------------------

/** C isspace() in the C locale. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Splits one line into raw byte arguments like Redis's sdssplitargs().
 * Returns null on unbalanced quotes. A NUL byte ends the line (C string).
 */
export function splitArgsBytes(input: string | Uint8Array): Buffer[] | null {
  const line = toBuffer(input);
  const n = line.length;
  const at = (i: number): number => (i < n ? line[i] : 0);
  const out: Buffer[] = [];
  let p = 0;
  const cur: number[] = [];
  for (;;) {
    while (at(p) !== 0 && isSpace(at(p))) p++;
    if (at(p) === 0) return out;
    let inq = false;
    let insq = false;
    let done = false;
    cur.length = 0;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 0x5c && at(p + 1) === 0x78 && hexVal(at(p + 2)) >= 0 && hexVal(at(p + 3)) >= 0) {
          cur.push(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
        } else if (c === 0x5c && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          switch (e) {
            case 0x6e: cur.push(0x0a); break; // \n
            case 0x72: cur.push(0x0d); break; // \r
            case 0x74: cur.push(0x09); break; // \t
            case 0x62: cur.push(0x08); break; // \b
            case 0x61: cur.push(0x07); break; // \a
            default: cur.push(e); break;
          }
        } else if (c === 0x22) {
          // A closing quote must be followed by a blank or nothing at all.
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null; // unterminated quotes
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 0x5c && at(p + 1) === 0x27) {
          p++;
          cur.push(0x27);
        } else if (c === 0x27) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur.push(c);
        }
      } else {
        switch (c) {
          case 0x20:
          case 0x0a:
          case 0x0d:
          case 0x09:
          case 0x00:
            done = true;
            break;
          case 0x22:
            inq = true;
            break;
          case 0x27:
            insq = true;
            break;
          default:
            cur.push(c);
            break;
        }
      }
      if (at(p) !== 0) p++;
    }
    out.push(Buffer.from(cur));
  }
}

/** splitArgsBytes() with each argument decoded to a string (see decodeArg). */
export function splitArgs(input: string | Uint8Array): string[] | null {
  const parts = splitArgsBytes(input);
  return parts === null ? null : parts.map(decodeArg);
}

// ---------------------------------------------------------------------------
// sdscatrepr
// ---------------------------------------------------------------------------

/**
 * Quotes a value the way Redis's sdscatrepr() does: always in double quotes,
 * with \\ \" \n \r \t \a \b escapes and \xHH for any other non-printable
 * byte (strings are taken as UTF-8 bytes).
 */
export function repr(value: string | Uint8Array): string {
  const bytes = toBuffer(value);
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    switch (c) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
        else out += `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

// ---------------------------------------------------------------------------
// Config files
// ---------------------------------------------------------------------------

/** One non-blank, non-comment line of a configuration file. */
export interface ConfigFileEntry {
  /** 1-based line number, as Redis counts it. */
  lineNumber: number;
  /** The line, trimmed of " \t\r\n" (what Redis shows after ">>> "). */
  line: string;
  /** Arguments, argv[0] lowercased; null when the quotes are unbalanced. */
  args: string[] | null;
  /** File the line comes from (for messages), when known. */
  filename?: string;
}

/** Trims the characters of `set` from both ends of `buf` (sdstrim). */
function trimBytes(buf: Buffer, set: readonly number[]): Buffer {
  let s = 0;
  let e = buf.length;
  while (s < e && set.includes(buf[s])) s++;
  while (e > s && set.includes(buf[e - 1])) e--;
  return buf.subarray(s, e);
}

const LINE_TRIM = [0x20, 0x09, 0x0d, 0x0a];

/** Splits config text into lines exactly like Redis (on "\n"), trimmed. */
export function splitConfigLines(text: string | Uint8Array): Buffer[] {
  const buf = toBuffer(text);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x0a) {
      lines.push(buf.subarray(start, i));
      start = i + 1;
    }
  }
  return lines.map((l) => trimBytes(l, LINE_TRIM));
}

/**
 * Parses configuration text into its directives, in order: comments (#...)
 * and blank lines are skipped, every other line is split with Redis's rules
 * and its first argument lowercased. A line with unbalanced quotes comes
 * back with `args: null` so that the loader reports errors in line order.
 * Lines that split into nothing are skipped.
 */
export function parseConfigFile(text: string | Uint8Array, filename?: string): ConfigFileEntry[] {
  const out: ConfigFileEntry[] = [];
  const lines = splitConfigLines(text);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.length === 0 || raw[0] === 0x23 /* # */) continue;
    const args = splitArgs(raw);
    if (args !== null && args.length === 0) continue;
    if (args !== null) args[0] = args[0].toLowerCase();
    const entry: ConfigFileEntry = { lineNumber: i + 1, line: decodeArg(raw), args };
    if (filename !== undefined) entry.filename = filename;
    out.push(entry);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

export interface ParsedArgv {
  /** -v / --version as the first argument. */
  version: boolean;
  /** -h / --help as the first argument. */
  help: boolean;
  /** The configuration file (first argument when it does not start with '-'), as given. */
  file?: string;
  /** True when '-' asks to read configuration from stdin. */
  stdin: boolean;
  /** The arguments after the configuration file (what to pass as `argv` to Config.fromSources). */
  options: string[];
}

/**
 * redis-server's command line: `[configfile] [--name value...] [-]`.
 * Only the first argument is checked for -v/--version and -h/--help (later
 * ones are options, as in Redis). `argv` excludes the program name(s), i.e.
 * process.argv.slice(2).
 */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const res: ParsedArgv = { version: false, help: false, stdin: false, options: [] };
  if (argv.length === 0) return res;
  const first = argv[0];
  if (first === '-v' || first === '--version') {
    res.version = true;
    return res;
  }
  if (first === '--help' || first === '-h') {
    res.help = true;
    return res;
  }
  if (!first.startsWith('-')) {
    res.file = first;
    res.options = argv.slice(1);
  } else {
    res.options = argv.slice();
  }
  res.stdin = argvToConfigText(res.file, res.options).stdin;
  return res;
}

/**
 * Turns command line options into the configuration text redis-server
 * appends to the config file: every `--name` starts a new line, and the
 * arguments that follow (until the next `--name`) are its values, quoted
 * with repr(). A `--name value` given as a single argument works too, a
 * bare `--save` means `save ""`, and after a name without a value the next
 * argument is its value even when it starts with `--`. '-' as the first or
 * last argument means "also read stdin".
 *
 * `file` only shifts positions (the config file is the first argument).
 */
export function argvToConfigText(file: string | undefined, options: readonly string[]): { text: string; stdin: boolean } {
  const all = file !== undefined ? [file, ...options] : [...options];
  const last = all.length - 1;
  let text = '';
  let stdin = false;
  let handledLast = true;
  for (let j = file !== undefined ? 1 : 0; j < all.length; j++) {
    const a = all[j];
    if (a === '-' && (j === 0 || j === last)) {
      stdin = true;
    } else if (handledLast && a.startsWith('--')) {
      if (text.length) text += '\n';
      text += `${a.slice(2)} `;
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        // Only the name, the value(s) follow.
        handledLast = false;
        const next = all[j + 1];
        if (j !== last && next.startsWith('--') && a.toLowerCase() === '--save') {
          // `--save --other x`: an empty save, as before Redis 7.0.1.
          text += '""';
          handledLast = true;
        } else if (j === last && a.toLowerCase() === '--save') {
          text += '""';
        } else if (j !== last && next.startsWith('--') && a.toLowerCase() === '--sentinel') {
          handledLast = true;
        }
      } else {
        // "--name value" in a single argument.
        handledLast = true;
      }
    } else {
      text += `${repr(a)} `;
      handledLast = true;
    }
  }
  return { text, stdin };
}

/**
 * Server log in Redis's exact line format:
 *
 *   <pid>:<role> <dd> <Mon> <yyyy> <hh:mm:ss.mmm> <level char> <message>
 *   12345:M 24 Nov 2026 10:00:00.123 * Ready to accept connections tcp
 *
 * Level chars: '.' debug, '-' verbose, '*' notice, '#' warning. Role: M
 * master, S replica, C child process, X sentinel. Times are local time, as
 * in Redis.
 *
 * Output goes to stdout when `file` is '' and is otherwise appended to the
 * file synchronously, like Redis (a line is on disk, or at least in the
 * kernel, when the call returns — nothing is lost on a crash). Redis reopens
 * the file for every line; we keep the descriptor open and offer reopen()
 * (call it on SIGHUP, or after log rotation) instead.
 */
import * as fs from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
export type LogRole = 'M' | 'S' | 'C' | 'X';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'verbose', 'notice', 'warning'];
const LEVEL_CHARS = ['.', '-', '*', '#'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Redis formats a log message into a 1024 byte buffer (LOG_MAX_LEN). */
const LOG_MAX_LEN = 1024;

export interface LoggerOptions {
  /** debug | verbose | notice | warning (the loglevel option). */
  level?: LogLevel | string;
  /** '' (or undefined) for stdout, else a file to append to (the logfile option). */
  file?: string;
  role?: LogRole;
}

function levelIndex(level: string): number {
  const i = LOG_LEVELS.indexOf(level.toLowerCase() as LogLevel);
  if (i < 0) throw new Error(`Invalid log level '${level}': must be one of ${LOG_LEVELS.join(', ')}`);
  return i;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/** "24 Nov 2026 10:00:00.123" in local time. */
export function formatLogTimestamp(d: Date): string {
  return (
    `${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${pad3(d.getMilliseconds())}`
  );
}

function truncate(msg: string): string {
  // Cheap check first: a string of <= 341 UTF-16 units cannot exceed 1023 UTF-8 bytes.
  if (msg.length <= 341) return msg;
  if (Buffer.byteLength(msg, 'utf8') < LOG_MAX_LEN) return msg;
  return Buffer.from(msg, 'utf8').subarray(0, LOG_MAX_LEN - 1).toString('utf8');
}

/** An error already written to the log (startup aborts): the CLI does not print it again. */
export class LoggedError extends Error {}

export class Logger {
  private levelIdx: number;
  private file: string;
  private fd: number | null = null;
  role: LogRole;
  /** Process id printed on each line (a forked child would show its own). */
  pid = process.pid;

  constructor(opts: LoggerOptions = {}) {
    this.levelIdx = levelIndex(opts.level ?? 'notice');
    this.role = opts.role ?? 'M';
    this.file = '';
    this.setFile(opts.file ?? '');
  }

  get level(): LogLevel {
    return LOG_LEVELS[this.levelIdx];
  }

  /** The log file, '' when logging to stdout. */
  get logfile(): string {
    return this.file;
  }

  setLevel(level: LogLevel | string): void {
    this.levelIdx = levelIndex(level);
  }

  setRole(role: LogRole): void {
    this.role = role;
  }

  /**
   * Switches output to `file` ('' = stdout). Throws (and keeps the previous
   * destination) when the file cannot be opened for appending.
   */
  setFile(file: string): void {
    let fd: number | null = null;
    if (file !== '') fd = fs.openSync(file, 'a');
    this.closeFd();
    this.file = file;
    this.fd = fd;
  }

  /** Reopens the log file (after rotation). No-op when logging to stdout. */
  reopen(): void {
    if (this.file !== '') this.setFile(this.file);
  }

  /** True when a message at `level` would be written. */
  enabled(level: LogLevel): boolean {
    return levelIndex(level) >= this.levelIdx;
  }

  debug(msg: string): void {
    if (this.levelIdx <= 0) this.write(0, msg);
  }

  verbose(msg: string): void {
    if (this.levelIdx <= 1) this.write(1, msg);
  }

  notice(msg: string): void {
    if (this.levelIdx <= 2) this.write(2, msg);
  }

  warning(msg: string): void {
    this.write(3, msg);
  }

  log(level: LogLevel, msg: string): void {
    const i = levelIndex(level);
    if (i >= this.levelIdx) this.write(i, msg);
  }

  /**
   * Writes `msg` as is (no prefix, no newline added), like Redis's LL_RAW,
   * which is how the ASCII-art banner is printed. Filtered at `level`
   * (notice by default, as Redis logs the logo).
   */
  raw(msg: string, level: LogLevel = 'notice'): void {
    if (levelIndex(level) >= this.levelIdx) this.out(msg);
  }

  /** Closes the log file, if any; later lines go to stdout. */
  close(): void {
    this.closeFd();
    this.file = '';
  }

  /** Formats one log line (without the trailing newline). */
  formatLine(level: LogLevel, msg: string, now: Date = new Date()): string {
    return `${this.pid}:${this.role} ${formatLogTimestamp(now)} ${LEVEL_CHARS[levelIndex(level)]} ${truncate(msg)}`;
  }

  private write(idx: number, msg: string): void {
    this.out(`${this.pid}:${this.role} ${formatLogTimestamp(new Date())} ${LEVEL_CHARS[idx]} ${truncate(msg)}\n`);
  }

  private out(text: string): void {
    if (this.fd === null) {
      process.stdout.write(text);
      return;
    }
    try {
      fs.writeSync(this.fd, text);
    } catch {
      // Like Redis: a log line that cannot be written is dropped.
    }
  }

  private closeFd(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // ignore
      }
      this.fd = null;
    }
  }
}

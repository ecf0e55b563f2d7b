/**
 * ACL LOG: the recent refusals (a command, key or channel denied, a failed
 * AUTH), newest first, at most acllog-max-len of them. A refusal like one of
 * the last ten (same reason, context, object and user, within a minute)
 * bumps that entry's count and moves it to the front instead of adding one,
 * as Redis's addACLLogEntry does.
 */
import type { RespWriter } from '../protocol/resp-writer';

export const enum AclReason {
  Command = 1,
  Key = 2,
  Auth = 3,
  Channel = 4,
}

const REASON_NAMES: Record<number, string> = { 1: 'command', 2: 'key', 3: 'auth', 4: 'channel' };

/** Entries this close in time (ms) are grouped. */
const GROUPING_MAX_DELTA = 60000;
/** How many recent entries a new one is compared with. */
const GROUPING_SCAN = 10;

export interface AclLogEntry {
  count: number;
  reason: AclReason;
  /** toplevel, multi, lua (module: never here). */
  context: string;
  /** The command's full name, the key, the channel, or for AUTH the command name as sent. */
  object: Buffer;
  username: string;
  /** Unix ms of the last occurrence. */
  ctime: number;
  /** CLIENT LIST line of the last client it happened to. */
  clientInfo: string;
}

export class AclLog {
  private entries: AclLogEntry[] = [];

  constructor(private readonly maxLen: () => number) {}

  add(entry: Omit<AclLogEntry, 'count' | 'ctime'>): void {
    const now = Date.now();
    const scan = Math.min(GROUPING_SCAN, this.entries.length);
    for (let i = 0; i < scan; i++) {
      const e = this.entries[i];
      if (
        e.reason === entry.reason &&
        e.context === entry.context &&
        Math.abs(e.ctime - now) <= GROUPING_MAX_DELTA &&
        e.object.equals(entry.object) &&
        e.username === entry.username
      ) {
        e.count++;
        e.ctime = now;
        e.clientInfo = entry.clientInfo;
        this.entries.splice(i, 1);
        this.entries.unshift(e);
        return;
      }
    }
    this.entries.unshift({ ...entry, count: 1, ctime: now });
    const max = this.maxLen();
    if (this.entries.length > max) this.entries.length = Math.max(0, max);
  }

  reset(): void {
    this.entries = [];
  }

  /** ACL LOG [count]: the newest `count` entries as maps of seven fields. */
  write(w: RespWriter, count: number): void {
    const n = Math.min(Math.max(0, count), this.entries.length);
    const now = Date.now();
    w.array(n);
    for (let i = 0; i < n; i++) {
      const e = this.entries[i];
      w.map(7);
      w.bulk('count').int(e.count);
      w.bulk('reason').bulk(REASON_NAMES[e.reason] ?? 'unknown');
      w.bulk('context').bulk(e.context);
      w.bulk('object').bulk(e.object);
      w.bulk('username').bulk(Buffer.from(e.username, 'latin1'));
      w.bulk('age-seconds').double((now - e.ctime) / 1000);
      w.bulk('client-info').bulk(e.clientInfo);
    }
  }
}

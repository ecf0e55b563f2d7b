/**
 * The append-only file. Interim: the multi-part AOF is not written yet, so
 * appendonly yes is refused rather than silently ignored.
 */
import type { ChildOutcome } from './native-ops';
import type { Persistence, ShutdownFlags } from './persistence';

export class Aof {
  constructor(private readonly p: Persistence) {}

  get enabled(): boolean {
    return false;
  }

  async loadAtStartup(): Promise<boolean> {
    throw new Error('appendonly yes is not supported yet');
  }

  openAtStartup(): void {}

  writeDenialError(): string {
    return '';
  }

  childDone(_pid: number, _o: ChildOutcome): void {}

  cronWithoutChild(): void {}

  cron(): void {}

  prepareShutdown(_flags: ShutdownFlags): boolean {
    return true;
  }

  close(): void {}

  infoLines(_now: number): [string, string | number][] {
    return [
      ['aof_enabled', 0],
      ['aof_rewrite_in_progress', 0],
      ['aof_rewrite_scheduled', 0],
      ['aof_last_rewrite_time_sec', -1],
      ['aof_current_rewrite_time_sec', -1],
      ['aof_last_bgrewrite_status', 'ok'],
      ['aof_rewrites', 0],
      ['aof_rewrites_consecutive_failures', 0],
      ['aof_last_write_status', 'ok'],
      ['aof_last_cow_size', 0],
    ];
  }

  infoExtraLines(): [string, string | number][] {
    return [];
  }
}

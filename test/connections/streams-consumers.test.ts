/**
 * Streams as a job-processing application uses them, through ioredis against
 * Tachyon: producers XADD jobs, several workers in one consumer group wait in
 * XREADGROUP BLOCK, process and XACK; a worker dies holding jobs and a
 * survivor recovers them with XAUTOCLAIM after min-idle-time. Every job must
 * be processed exactly once by a live worker, and the group must end with an
 * empty PEL, lag 0 and entries-read equal to the jobs produced.
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/index';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0 });
});
afterAll(() => server.close());

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

const connect = async (): Promise<Redis> => {
  const r = new Redis(server.port, server.host, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  return r;
};

describe('consumer group job queue through ioredis', () => {
  it('workers share jobs, a dead worker’s jobs are reclaimed with XAUTOCLAIM', async () => {
    const admin = await connect();
    await admin.flushall();
    await admin.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');

    const processed = new Map<string, string>(); // job payload -> worker
    const duplicates: string[] = [];
    let stop = false;

    // A worker: XREADGROUP BLOCK on its own connection, process, XACK.
    const worker = async (name: string, opts: { dieAfter?: number } = {}) => {
      const r = await connect();
      let handled = 0;
      try {
        while (!stop) {
          const reply = (await r.xreadgroup('GROUP', 'workers', name, 'COUNT', 5, 'BLOCK', 100, 'STREAMS', 'jobs', '>')) as StreamReply;
          if (!reply) continue;
          for (const [, entries] of reply) {
            for (const [id, fields] of entries) {
              if (opts.dieAfter !== undefined && handled >= opts.dieAfter) return; // dies holding the rest, unacknowledged
              const payload = fields[1];
              if (processed.has(payload)) duplicates.push(payload);
              processed.set(payload, name);
              handled++;
              await r.xack('jobs', 'workers', id);
            }
          }
        }
      } finally {
        r.disconnect();
      }
    };

    const workers = [worker('w1'), worker('w2'), worker('w3', { dieAfter: 3 })];
    const producer = await connect();
    const total = 300;
    for (let i = 0; i < total; i++) {
      await producer.xadd('jobs', '*', 'job', `job-${i}`);
      if (i % 50 === 0) await new Promise((res) => setTimeout(res, 5));
    }

    // The dead worker's entries stay pending; a survivor reclaims them once idle.
    const rescuer = await connect();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const summary = (await admin.xpending('jobs', 'workers')) as [number, string | null, string | null, Array<[string, string]> | null];
      if (processed.size + summary[0] >= total && processed.size < total) {
        let cursor = '0-0';
        do {
          const [next, entries, deleted] = (await rescuer.xautoclaim('jobs', 'workers', 'rescuer', 200, cursor, 'COUNT', 10)) as [
            string,
            Array<[string, string[]]>,
            string[],
          ];
          expect(deleted).toEqual([]);
          for (const [id, fields] of entries) {
            if (processed.has(fields[1])) duplicates.push(fields[1]);
            processed.set(fields[1], 'rescuer');
            await rescuer.xack('jobs', 'workers', id);
          }
          cursor = next;
        } while (cursor !== '0-0');
      }
      if (processed.size === total) break;
      if (Date.now() > deadline) throw new Error(`only ${processed.size} of ${total} jobs processed`);
      await new Promise((res) => setTimeout(res, 50));
    }
    stop = true;
    await Promise.all(workers);

    expect(duplicates).toEqual([]);
    expect(processed.size).toBe(total);
    const byWorker = new Map<string, number>();
    for (const w of processed.values()) byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
    expect(byWorker.get('w3')).toBe(3);
    expect(byWorker.get('rescuer') ?? 0).toBeGreaterThan(0);
    expect((byWorker.get('w1') ?? 0) + (byWorker.get('w2') ?? 0)).toBeGreaterThan(0);

    const pending = (await admin.xpending('jobs', 'workers')) as unknown[];
    expect(pending[0]).toBe(0);
    const groups = (await admin.xinfo('GROUPS', 'jobs')) as unknown[][];
    const info = Object.fromEntries(
      Array.from({ length: groups[0].length / 2 }, (_, i) => [groups[0][2 * i], groups[0][2 * i + 1]]),
    );
    expect(info['lag']).toBe(0);
    expect(info['entries-read']).toBe(total);
    expect(info['pending']).toBe(0);
    const consumers = (await admin.xinfo('CONSUMERS', 'jobs', 'workers')) as unknown[][];
    expect(consumers.map((c) => c[1]).sort()).toEqual(['rescuer', 'w1', 'w2', 'w3']);

    // Cleanup of a finished consumer, then of the group.
    expect(await admin.xgroup('DELCONSUMER', 'jobs', 'workers', 'w3')).toBe(0);
    expect(await admin.xgroup('DESTROY', 'jobs', 'workers')).toBe(1);
    expect(await admin.xlen('jobs')).toBe(total);
    expect(await admin.xtrim('jobs', 'MAXLEN', '~', 100)).toBeGreaterThan(0);
    for (const c of [admin, producer, rescuer]) c.disconnect();
  });
});

/**
 * Failover by Debian's redis-sentinel 7.0.15: three sentinels watch a
 * Tachyon master with two Tachyon replicas; the master is killed with
 * SIGKILL; the sentinels promote a replica (REPLICAOF NO ONE in their
 * MULTI/EXEC), re-point the other one (it continues from the promoted
 * replica by partial resync, PSYNC2), no WAIT-acknowledged write is lost,
 * and an ioredis client configured with the sentinels keeps writing through
 * it. Reports the time from the kill to the first write accepted by the new
 * master, and the application's writes that failed meanwhile. The killed
 * master is then restarted on its port and directory: the sentinels turn it
 * into a replica of the new master (REPLICAOF and CONFIG REWRITE of its
 * file), and it ends with the new master's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../helpers/redis-oracle';
import { removeTempDirs, startServer, stop, tempDir, type ServerProc } from '../persistence/helpers';
import { infoFields, waitFor, waitLinkUp } from './helpers';

const haveSentinel = fs.existsSync('/usr/bin/redis-sentinel');
const running: ServerProc[] = [];
const sentinels: { proc: ChildProcess; client: Redis; port: number; log: () => string }[] = [];
/** Ends the application's write loop, if a failure left it running (the test stays bounded in time). */
let stopApp: (() => Promise<void>) | undefined;
afterAll(async () => {
  await stopApp?.();
  for (const c of clients.values()) c.disconnect();
  for (const s of sentinels) {
    s.client.disconnect();
    s.proc.kill('SIGKILL');
  }
  await Promise.all(running.map(stop));
  removeTempDirs();
});

async function startSentinel(masterPort: number): Promise<(typeof sentinels)[number]> {
  const port = await getFreePort();
  const dir = tempDir(`sentinel-${port}`);
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${path.join(dir, 'sentinel.log')}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
      'sentinel down-after-milliseconds mymaster 1000',
      'sentinel failover-timeout mymaster 10000',
      'sentinel parallel-syncs mymaster 1',
      '',
    ].join('\n'),
  );
  const proc = spawn('/usr/bin/redis-sentinel', [conf], { stdio: 'ignore' });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  client.on('error', () => {});
  const s = { proc, client, port, log: () => fs.readFileSync(path.join(dir, 'sentinel.log'), 'latin1') };
  sentinels.push(s);
  await waitFor(async () => (await client.ping().catch(() => '')) === 'PONG', 10000, 'sentinel up');
  return s;
}

/**
 * A client of its own per server, reconnecting: the sentinels send CLIENT KILL
 * TYPE normal to the instances they reconfigure, which ends the suite's other clients.
 */
const clients = new Map<number, Redis>();
function client(s: ServerProc): Redis {
  let c = clients.get(s.port);
  if (!c) {
    c = new Redis({ port: s.port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    c.on('error', () => {});
    clients.set(s.port, c);
  }
  return c;
}

/** On failure, the sentinels' and the replicas' logs say why. */
async function withLogs(servers: ServerProc[], p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    const logs = [...sentinels.map((s, i) => `--- sentinel ${i}\n${s.log()}`), ...servers.map((s) => `--- ${s.port}\n${s.logs()}`)];
    throw new Error(`${(e as Error).message}\n${logs.join('\n')}`);
  }
}

describe.skipIf(!haveSentinel)('Sentinel failover of a Tachyon group', () => {
  it('SIGKILL of the master: a replica is promoted, the other re-points, no acknowledged write lost', async () => {
    // The master has a config file: when it returns, the sentinels rewrite it (CONFIG REWRITE).
    const masterDir = tempDir('sent-master');
    const masterConf = path.join(masterDir, 'node.conf');
    fs.writeFileSync(masterConf, '# the first master\n');
    const master = await startServer('tachyon', masterDir, {}, { configFile: masterConf });
    running.push(master);
    const replicas: ServerProc[] = [];
    for (const n of [1, 2]) {
      const r = await startServer('tachyon', tempDir(`sent-r${n}`), { replicaof: `127.0.0.1 ${master.port}` });
      running.push(r);
      replicas.push(r);
      await waitLinkUp(r);
    }
    const sents = [];
    for (let i = 0; i < 3; i++) sents.push(await startSentinel(master.port));
    // Each sentinel knows both replicas and the two other sentinels.
    await waitFor(
      async () => {
        for (const s of sents) {
          const reps = (await s.client.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[];
          const others = (await s.client.call('SENTINEL', 'SENTINELS', 'mymaster')) as unknown[];
          if (reps.length !== 2 || others.length !== 2) return false;
        }
        return true;
      },
      30000,
      'sentinels discovering replicas and each other',
    );

    // Writes acknowledged by both replicas (WAIT 2) must survive the failover.
    const acked: string[] = [];
    for (let i = 0; i < 200; i++) {
      await master.client.set(`acked:${i}`, String(i));
      if (i % 20 === 19 && (await master.client.call('WAIT', '2', '2000')) === 2) {
        for (let j = i - 19; j <= i; j++) acked.push(`acked:${j}`);
      }
    }
    expect(acked.length).toBe(200);

    // An application client that finds the master through the sentinels keeps writing.
    const app = new Redis({
      sentinels: sents.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: 'mymaster',
      maxRetriesPerRequest: 1,
      sentinelRetryStrategy: () => 100,
      retryStrategy: () => 100,
    });
    app.on('error', () => {});
    let appOk = 0;
    let appFailed = 0;
    let appRunning = true;
    const appLoop = (async () => {
      for (let i = 0; appRunning; i++) {
        try {
          await app.set(`app:${i}`, String(i));
          appOk++;
        } catch {
          appFailed++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    stopApp = async () => {
      appRunning = false;
      app.disconnect();
      await appLoop;
    };
    await waitFor(async () => appOk > 20, 10000, 'the application writing');

    const killedAt = Date.now();
    master.proc.kill('SIGKILL');
    await master.exited;

    // The sentinels name a new master; it takes writes.
    let promoted: ServerProc | undefined;
    await withLogs(replicas, waitFor(
      async () => {
        const addr = (await sents[0].client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[];
        promoted = replicas.find((r) => String(r.port) === addr?.[1]);
        if (!promoted) return false;
        try {
          return (await client(promoted).set('after-failover', '1')) === 'OK';
        } catch {
          return false;
        }
      },
      60000,
      'a promoted replica accepting writes',
    ));
    const failoverMs = Date.now() - killedAt;
    console.log(`sentinel failover: kill -> first write on the new master in ${failoverMs} ms`);
    const newMaster = promoted!;
    expect((await client(newMaster).info('replication')).match(/role:(\w+)/)?.[1]).toBe('master');

    // No acknowledged write lost.
    const values = await client(newMaster).mget(...acked);
    expect(values.filter((v) => v === null).length).toBe(0);

    // The other replica follows the new master, by partial resync.
    const other = replicas.find((r) => r !== newMaster)!;
    await waitFor(
      async () => {
        const i = infoFields(await client(other).info('replication'));
        return i.master_port === String(newMaster.port) && i.master_link_status === 'up';
      },
      30000,
      'the other replica re-pointed',
    );
    await waitFor(async () => (await client(other).get('after-failover')) === '1', 10000, 'write replicated');
    // The application reconnected to the new master through the sentinels.
    const okAtFailover = appOk;
    await waitFor(async () => appOk > okAtFailover + 20, 30000, 'the application writing to the new master');
    appRunning = false;
    await appLoop;
    app.disconnect();
    stopApp = undefined;
    console.log(`sentinel failover: application writes ${appOk} acknowledged, ${appFailed} failed during the failover`);
    expect(infoFields(await client(newMaster).info('stats')).sync_full).toBe('0');

    // The old master returns where it was (empty: no persistence) and rejoins as a replica.
    const returnedAt = Date.now();
    const old = await startServer('tachyon', masterDir, {}, { configFile: masterConf, port: master.port });
    running.push(old);
    await withLogs([old, newMaster], waitFor(
      async () => {
        const i = infoFields(await client(old).info('replication'));
        return i.role === 'slave' && i.master_port === String(newMaster.port) && i.master_link_status === 'up';
      },
      40000,
      'the old master reconfigured as a replica of the new one',
    ));
    console.log(`sentinel failover: the returned master rejoined as a replica in ${Date.now() - returnedAt} ms`);
    await client(newMaster).set('after-rejoin', '1');
    await waitFor(async () => (await client(old).get('after-rejoin')) === '1', 10000, 'write reaching the old master');
    // The new master's data, acknowledged writes included.
    expect((await client(old).mget(...acked)).filter((v) => v === null).length).toBe(0);
    expect(await client(old).dbsize()).toBe(await client(newMaster).dbsize());
    // Sentinel's CONFIG REWRITE made it permanent.
    expect(fs.readFileSync(masterConf, 'latin1')).toMatch(new RegExp(`^replicaof 127\\.0\\.0\\.1 ${newMaster.port}$`, 'm'));
  }, 120_000);
});

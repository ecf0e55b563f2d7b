/**
 * The database selected by the stream of a newly promoted master. A replica's
 * stream came from its old master, which left some database selected; once
 * promoted (REPLICAOF NO ONE, or FAILOVER TO it) its own writes must start
 * with a SELECT of their own, or a replica that continued by partial resync
 * applies them in the old stream's database. Master M writes in db 3, then 0,
 * then 3; replica A is promoted, replica B continues from A; A writes in db 3
 * and db 0. Every trio (all Redis, all Tachyon, and mixed) must end with the
 * same keys in the same databases, one offset, and A serving a partial
 * resync.
 */
import { describe, expect, it } from 'vitest';
import type { Kind, ServerProc } from '../persistence/helpers';
import { info, replicationServers, waitFor, waitLinkUp } from './helpers';

const start = replicationServers({ 'repl-diskless-sync-delay': 0 });

type Trio = [Kind, Kind, Kind]; // M, A, B

async function keysByDb(s: ServerProc): Promise<string> {
  const out: string[] = [];
  for (const db of [0, 3]) {
    await s.client.select(db);
    out.push(`db${db}=${(await s.client.keys('*')).sort().join(',')}`);
  }
  await s.client.select(0);
  return out.join(' ');
}

const offset = async (s: ServerProc) => (await info(s)).master_repl_offset;

/** Runs the scenario on one trio; returns what every server ended with. */
async function run([mk, ak, bk]: Trio, how: 'replicaof' | 'failover'): Promise<string[]> {
  const tag = `${how}-${mk}-${ak}-${bk}`;
  const m = await start(mk, `psd-m-${tag}`);
  const a = await start(ak, `psd-a-${tag}`);
  const b = await start(bk, `psd-b-${tag}`);
  for (const r of [a, b]) {
    await r.client.call('REPLICAOF', '127.0.0.1', String(m.port));
    await waitLinkUp(r);
  }
  for (const [db, key] of [[3, 'k3'], [0, 'k0'], [3, 'k3b']] as const) {
    await m.client.select(db);
    await m.client.set(key, 'a');
  }
  const end = await offset(m);
  for (const r of [a, b]) await waitFor(async () => (await info(r)).slave_repl_offset === end, 10000, `${tag} caught up`);

  const newMaster = a;
  if (how === 'replicaof') {
    await a.client.call('REPLICAOF', 'NO', 'ONE');
    await b.client.call('REPLICAOF', '127.0.0.1', String(a.port));
    await waitLinkUp(b);
  } else {
    // M hands over to A; B stays M's replica, so it follows through M.
    await m.client.call('FAILOVER', 'TO', '127.0.0.1', String(a.port));
    await waitFor(async () => (await info(a)).role === 'master' && (await info(m)).master_link_status === 'up', 15000, `${tag} failover`);
    await waitLinkUp(b);
  }
  await newMaster.client.select(3);
  await newMaster.client.set('after3', 'x');
  await newMaster.client.select(0);
  await newMaster.client.set('after0', 'x');
  const final = await offset(newMaster);
  const followers = how === 'replicaof' ? [b] : [m, b];
  for (const r of followers) await waitFor(async () => (await info(r)).slave_repl_offset === final, 10000, `${tag} followed`);

  // Offsets must agree within the trio; across trios they may not (a
  // replica PING every repl-ping-replica-period lands in the stream or not).
  const out: string[] = [];
  const offsets = new Set<string>();
  for (const [name, s] of [['M', m], ['A', a], ['B', b]] as const) {
    if (how === 'replicaof' && name === 'M') continue; // M is out of the picture
    out.push(`${name}: ${await keysByDb(s)}`);
    offsets.add(await offset(s));
  }
  out.push(`one offset: ${offsets.size === 1}`);
  // What A served its new replica (B, or M after FAILOVER): a partial resync.
  const served = await info(a, 'stats');
  out.push(`A served sync_full=${served.sync_full} sync_partial_ok=${served.sync_partial_ok}`);
  return out;
}

describe('the stream of a promoted master selects its own database', () => {
  for (const how of ['replicaof', 'failover'] as const) {
    it(`${how}: every trio ends as the all-Redis one`, async () => {
      const oracle = await run(['redis', 'redis', 'redis'], how);
      // The scenario is meaningful: the writes after promotion landed in their databases.
      expect(oracle.join('\n')).toContain('db0=after0,k0 db3=after3,k3,k3b');
      const trios: Trio[] =
        how === 'replicaof'
          ? [['tachyon', 'tachyon', 'tachyon'], ['redis', 'tachyon', 'redis'], ['tachyon', 'redis', 'tachyon']]
          : [['tachyon', 'tachyon', 'tachyon']];
      for (const trio of trios) expect(await run(trio, how), trio.join(' ')).toEqual(oracle);
    }, 120_000);
  }
});

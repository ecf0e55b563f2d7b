/**
 * CONFIG REWRITE of `replicaof`, side by side with redis-server 7.0.15:
 * after REPLICAOF the rewritten file names the master and a restart from it
 * rejoins; REPLICAOF NO ONE removes the line; after a FAILOVER the old
 * master's file names the new one and the new master's names none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serversOfFile, tempDir, type Kind, type ServerProc } from '../persistence/helpers';
import { info, waitFor, waitLinkUp } from './helpers';

/** startServer for this file: every server is stopped after its tests. */
const startServer = serversOfFile();

/** A server with a config file of its own (what CONFIG REWRITE writes), on `port` if given. */
async function startWithFile(kind: Kind, dir: string, port?: number): Promise<ServerProc> {
  const conf = path.join(dir, 'node.conf');
  if (!fs.existsSync(conf)) fs.writeFileSync(conf, '# a node\n');
  const s = await startServer(kind, dir, { 'repl-diskless-sync-delay': 0 }, { configFile: conf, port });
  return s;
}

/** The replicaof lines of the node's file, ports named. */
function replicaofLines(s: ServerProc, names: Record<number, string>): string[] {
  const text = fs.readFileSync(path.join(s.dir, 'node.conf'), 'latin1');
  return text
    .split('\n')
    .filter((l) => /^(replicaof|slaveof) /.test(l))
    .map((l) => l.replace(/\d+$/, (p) => names[Number(p)] ?? p));
}

describe('CONFIG REWRITE of replicaof', () => {
  it('after REPLICAOF (a restart rejoins), REPLICAOF NO ONE and FAILOVER, as Redis', async () => {
    const outs: Record<string, unknown[]> = {};
    for (const kind of ['redis', 'tachyon'] as const) {
      const out: unknown[] = [];
      outs[kind] = out;
      const a = await startWithFile(kind, tempDir(`rewrite-a-${kind}`));
      let b = await startWithFile(kind, tempDir(`rewrite-b-${kind}`));
      const names = { [a.port]: 'A', [b.port]: 'B' };
      await a.client.set('k', 'v');
      out.push(await b.client.call('REPLICAOF', '127.0.0.1', String(a.port)));
      await waitLinkUp(b);
      out.push(await b.client.call('CONFIG', 'REWRITE'));
      out.push(replicaofLines(b, names));

      // Restarted from its file, b replicates from a again.
      const port = b.port;
      await b.shutdown('NOSAVE');
      b = await startWithFile(kind, b.dir, port);
      await waitLinkUp(b);
      const bi = await info(b);
      out.push(bi.role, bi.master_port === String(a.port));
      await a.client.set('k2', 'v2');
      await waitFor(async () => (await b.client.get('k2')) === 'v2', 10000, 'write replicated after restart');

      // FAILOVER: b is master, a its replica; their files say so once rewritten.
      await waitFor(async () => (await info(a)).slave0?.includes('state=online') ?? false, 10000, 'b online');
      out.push(await a.client.call('FAILOVER'));
      await waitFor(async () => (await info(a)).role === 'slave' && (await info(a)).master_failover_state === 'no-failover', 20000, 'failover');
      await waitLinkUp(a);
      out.push(await a.client.call('CONFIG', 'REWRITE'), await b.client.call('CONFIG', 'REWRITE'));
      out.push(replicaofLines(a, names), replicaofLines(b, names));

      // REPLICAOF NO ONE: the line goes.
      out.push(await a.client.call('REPLICAOF', 'NO', 'ONE'), await a.client.call('CONFIG', 'REWRITE'));
      out.push(replicaofLines(a, names));
    }
    expect(outs.tachyon).toEqual(outs.redis);
    expect(outs.redis).toContainEqual(['replicaof 127.0.0.1 A']);
    expect(outs.redis).toContainEqual(['replicaof 127.0.0.1 B']);
  }, 120_000);
});

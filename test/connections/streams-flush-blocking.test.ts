/**
 * Stream readers blocked while their key's whole database goes away, against
 * a real redis-server 7.0 (RESP2 and RESP3): FLUSHALL, FLUSHDB and SWAPDB
 * fail a blocked XREADGROUP whose stream disappears (UNBLOCKED) or whose new
 * stream lacks the group (NOGROUP), and leave a plain XREAD, a reader in
 * another database and a reader whose stream survives the swap waiting.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, useDifferential, type Arg, type Differential, type Session } from '../helpers/differential';
import { waitClientLines, inStreamRead } from '../helpers/blocked';

const GONE = '-UNBLOCKED the stream key no longer exists';

const waitBlocked = (d: Differential, n: number) => waitClientLines(d, n, inStreamRead);

async function block(d: Differential, s: Session, n: number, ...cmd: Arg[]): Promise<void> {
  s.send(...cmd);
  await waitBlocked(d, n);
}

const GROUP_READ = ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'];

describe.each(PROTOCOLS)('blocked stream readers and whole-database changes (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });

  async function groupStream(s: Session, db: string): Promise<void> {
    await s.call(['SELECT', db], '+OK');
    await s.call(['XADD', 's', '1-0', 'f', 'v'], '"1-0"');
    await s.call(['XGROUP', 'CREATE', 's', 'g', '$'], '+OK');
  }

  test('FLUSHALL fails a blocked XREADGROUP; the connection goes on', async () => {
    const [w, a] = [d.main, await d.session()];
    await groupStream(w, '0');
    await block(d, a, 1, ...GROUP_READ);
    await w.call(['FLUSHALL'], '+OK');
    await a.reply(GONE);
    await a.call(['PING'], '+PONG');
  });

  test('FLUSHDB fails it in its own database only', async () => {
    const [w, a, b] = [d.main, await d.session(), await d.session()];
    await groupStream(w, '3');
    await groupStream(w, '0');
    await b.call(['SELECT', '3'], '+OK');
    await block(d, a, 1, ...GROUP_READ);
    await block(d, b, 2, ...GROUP_READ);
    await w.call(['FLUSHDB'], '+OK');
    await a.reply(GONE);
    await b.silent();
    await w.call(['SELECT', '3'], '+OK');
    await w.call(['XADD', 's', '2-0', 'f', 'new'], '"2-0"');
    await b.reply();
  });

  test('a plain XREAD keeps waiting through FLUSHALL and is served by the next XADD', async () => {
    const [w, a] = [d.main, await d.session()];
    await w.call(['XADD', 's', '1-0', 'f', 'v'], '"1-0"');
    await block(d, a, 1, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await w.call(['FLUSHALL'], '+OK');
    await a.silent();
    await w.call(['XADD', 's', '5-0', 'f', 'w'], '"5-0"');
    await a.reply();
  });

  test('SWAPDB: no stream in the other database, a stream without the group, a stream with it', async () => {
    const [w, a] = [d.main, await d.session()];
    // The other database has no such key.
    await groupStream(w, '0');
    await block(d, a, 1, ...GROUP_READ);
    await w.call(['SWAPDB', '0', '5'], '+OK');
    await a.reply(GONE);
    await w.call(['FLUSHALL'], '+OK');
    // The other database holds a string under that name.
    await groupStream(w, '0');
    await w.call(['SELECT', '6'], '+OK');
    await w.call(['SET', 's', 'str'], '+OK');
    await block(d, a, 1, ...GROUP_READ);
    await w.call(['SWAPDB', '0', '6'], '+OK');
    await a.reply(GONE);
    await w.call(['FLUSHALL'], '+OK');
    // A stream without the group.
    await groupStream(w, '0');
    await w.call(['SELECT', '7'], '+OK');
    await w.call(['XADD', 's', '9-0', 'f', 'v'], '"9-0"');
    await block(d, a, 1, ...GROUP_READ);
    await w.call(['SWAPDB', '0', '7'], '+OK');
    await a.reply('-NOGROUP the consumer group this client was blocked on no longer exists');
    await w.call(['FLUSHALL'], '+OK');
    // A stream with the group and nothing new for it: still waiting.
    await groupStream(w, '0');
    await groupStream(w, '8');
    await block(d, a, 1, ...GROUP_READ);
    await w.call(['SWAPDB', '0', '8'], '+OK');
    await a.silent();
    await w.call(['SELECT', '0'], '+OK');
    await w.call(['XADD', 's', '3-0', 'f', 'later'], '"3-0"');
    await a.reply();
  });
});

/**
 * TLS on tls-port, with certificates made by openssl when the suite starts:
 * redis-cli --tls, ioredis and node-redis; client certificates required,
 * optional and not asked for; a missing or untrusted certificate refused
 * with Redis's log line; protocols and ciphers; certificates replaced by
 * CONFIG SET without a restart (new connections get them, open ones carry
 * on); tls-port moved by CONFIG SET; big values and long pipelines; session
 * resumption. Each case runs on the native TLS layer and on Node's tls
 * module (TACHYON_NATIVE_IO=0). The CONFIG GET/SET replies of the tls-*
 * options are compared with a real redis-server.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Config } from '../../src/config/config';
import { startServer, type RunningServer } from '../../src/index';
import { TachyonServer } from '../../src/server';
import { PROTOCOLS, exp, useDifferential } from '../helpers/differential';
import { startRedisOracle } from '../helpers/redis-oracle';
import { RespClient, formatReply } from '../helpers/resp';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachyon-tls-'));
const f = (name: string) => path.join(dir, name);
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A certificate for `cn` signed by the CA (server ones name localhost and 127.0.0.1). */
function issue(name: string, cn: string, server: boolean): void {
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  fs.writeFileSync(f(`${name}.ext`), server ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
  ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`,
    '-days', '2', '-extfile', `${name}.ext`);
}

beforeAll(() => {
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Tachyon Test CA');
  issue('server', 'server-one', true);
  issue('server2', 'server-two', true);
  issue('client', 'client', false);
  // Signed by nobody the server trusts.
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '2', '-subj', '/CN=rogue');
  // The server key again, encrypted (tls-key-file-pass).
  ssl('pkey', '-in', 'server.key', '-out', 'server-enc.key', '-aes256', '-passout', 'pass:s3cret');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const TRANSPORTS = ['native', 'streams'] as const;
type Transport = (typeof TRANSPORTS)[number];

interface Started {
  running: RunningServer;
  tlsPort: number;
  logfile: string;
  log(): string;
}

async function start(transport: Transport, extra: Record<string, string | number> = {}): Promise<Started> {
  const saved = process.env.TACHYON_NATIVE_IO;
  process.env.TACHYON_NATIVE_IO = transport === 'native' ? '1' : '0';
  const logfile = path.join(dir, `log-${Date.now()}-${Math.random().toString(16).slice(2)}.txt`);
  try {
    const tlsPort = await freePort();
    const running = await startServer({
      'tls-port': tlsPort,
      'tls-cert-file': f('server.crt'),
      'tls-key-file': f('server.key'),
      'tls-ca-cert-file': f('ca.crt'),
      logfile,
      loglevel: 'verbose',
      ...extra,
    });
    return { running, tlsPort: running.server.tlsPort, logfile, log: () => fs.readFileSync(logfile, 'utf8') };
  } finally {
    if (saved === undefined) delete process.env.TACHYON_NATIVE_IO;
    else process.env.TACHYON_NATIVE_IO = saved;
  }
}

/** redis-cli over TLS (asynchronously: the server under test runs in this process): [stdout, stderr]. */
function cli(port: number, certs: 'client' | 'rogue' | 'none', ...cmd: string[]): Promise<[string, string]> {
  const certArgs = certs === 'none' ? [] : ['--cert', f(`${certs}.crt`), '--key', f(`${certs}.key`)];
  return new Promise((resolve) => {
    execFile(
      'redis-cli',
      ['-p', String(port), '--tls', '--cacert', f('ca.crt'), ...certArgs, ...cmd],
      { encoding: 'utf8', timeout: 10000 },
      (_err, stdout, stderr) => resolve([stdout.trim(), stderr.trim()]),
    );
  });
}

/** A raw TLS connection; resolves once the handshake is done, rejects when it fails. */
function connectTls(port: number, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: fs.readFileSync(f('ca.crt')),
      cert: fs.readFileSync(f('client.crt')),
      key: fs.readFileSync(f('client.key')),
      ...opts,
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends a command on a TLS socket and reads until `until` matches the accumulated reply. */
function roundTrip(s: tls.TLSSocket, payload: string | Buffer, until: (b: Buffer) => boolean, ms = 10000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`no complete reply (got ${buf.length} bytes)`)), ms);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (until(buf)) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(buf);
      }
    };
    s.on('data', onData);
    s.write(payload);
  });
}

/** Waits for a line in the server's log. */
async function logged(st: Started, re: RegExp, ms = 3000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const line = st.log().split('\n').find((l) => re.test(l));
    if (line) return line;
    if (Date.now() > until) throw new Error(`no log line matching ${re}:\n${st.log()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(TRANSPORTS)('TLS (%s)', (transport) => {
  let st: Started | undefined;
  afterEach(async () => {
    await st?.running.close();
    st = undefined;
  });

  test('redis-cli --tls with a client certificate; the plain port keeps working', async () => {
    st = await start(transport);
    expect((await cli(st.tlsPort, 'client', 'SET', 'k', 'over tls'))[0]).toBe('OK');
    expect((await cli(st.tlsPort, 'client', 'GET', 'k'))[0]).toBe('over tls');
    const plain = await RespClient.connect(st.running.port);
    expect(formatReply(await plain.call('GET', 'k'))).toBe('"over tls"');
    await plain.close();
    // CLIENT LIST shows TLS clients like the others.
    expect((await cli(st.tlsPort, 'client', 'CLIENT', 'INFO'))[0]).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ .* user=default /);
  });

  test('ioredis and node-redis over TLS', async () => {
    st = await start(transport);
    const tlsOpts = {
      ca: fs.readFileSync(f('ca.crt')),
      cert: fs.readFileSync(f('client.crt')),
      key: fs.readFileSync(f('client.key')),
      servername: 'localhost',
    };
    const io = new Redis({ port: st.tlsPort, host: '127.0.0.1', tls: tlsOpts, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await io.connect();
      await io.set('io', 'redis');
      expect(await io.get('io')).toBe('redis');
      const pipe = io.pipeline();
      for (let i = 0; i < 500; i++) pipe.incr('counter');
      const res = await pipe.exec();
      expect(res?.[499]).toEqual([null, 500]);
    } finally {
      io.disconnect();
    }
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: st.tlsPort, host: '127.0.0.1', tls: true, ...tlsOpts }, RESP });
      c.on('error', () => undefined);
      await c.connect();
      try {
        await c.hSet('h', { a: '1', b: '2' });
        expect(await c.hGetAll('h')).toEqual({ a: '1', b: '2' });
      } finally {
        await c.quit();
      }
    }
  });

  test('no certificate, or one the CA did not sign, is refused with a clear log line', async () => {
    st = await start(transport);
    const [out1] = await cli(st.tlsPort, 'none', 'PING');
    expect(out1).not.toBe('PONG');
    expect(await logged(st, /Error accepting a client connection: .*(peer did not return a certificate|certificate)/)).toBeTruthy();
    const [out2] = await cli(st.tlsPort, 'rogue', 'PING');
    expect(out2).not.toBe('PONG');
    expect(await logged(st, /Error accepting a client connection: .*certificate verify failed|unknown ca|unable to get/i)).toBeTruthy();
    // A plaintext client on the TLS port gets nothing it could take for a reply.
    const raw = await RespClient.connect(st.tlsPort, { timeoutMs: 2000 });
    raw.send('PING');
    expect(await raw.waitClosed(3000)).toBe(true);
    await raw.close();
  });

  test('tls-auth-clients no and optional', async () => {
    st = await start(transport, { 'tls-auth-clients': 'no' });
    expect((await cli(st.tlsPort, 'none', 'PING'))[0]).toBe('PONG');
    expect((await cli(st.tlsPort, 'client', 'PING'))[0]).toBe('PONG');
    await st.running.close();
    st = await start(transport, { 'tls-auth-clients': 'optional' });
    expect((await cli(st.tlsPort, 'none', 'PING'))[0]).toBe('PONG');
    expect((await cli(st.tlsPort, 'client', 'PING'))[0]).toBe('PONG');
    expect((await cli(st.tlsPort, 'rogue', 'PING'))[0]).not.toBe('PONG');
    // CONFIG SET switches it for new connections.
    expect((await cli(st.tlsPort, 'client', 'CONFIG', 'SET', 'tls-auth-clients', 'yes'))[0]).toBe('OK');
    expect((await cli(st.tlsPort, 'none', 'PING'))[0]).not.toBe('PONG');
  });

  test('protocols and ciphers', async () => {
    st = await start(transport, { 'tls-protocols': 'TLSv1.3', 'tls-ciphersuites': 'TLS_CHACHA20_POLY1305_SHA256' });
    const s = await connectTls(st.tlsPort);
    expect(s.getProtocol()).toBe('TLSv1.3');
    expect(s.getCipher().standardName).toBe('TLS_CHACHA20_POLY1305_SHA256');
    s.destroy();
    await expect(connectTls(st.tlsPort, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
    await st.running.close();
    st = await start(transport, { 'tls-protocols': 'TLSv1.2', 'tls-ciphers': 'ECDHE-RSA-AES128-GCM-SHA256', 'tls-prefer-server-ciphers': 'yes' });
    const s2 = await connectTls(st.tlsPort);
    expect(s2.getProtocol()).toBe('TLSv1.2');
    expect(s2.getCipher().name).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    s2.destroy();
  });

  test('CONFIG SET of the certificate without a restart; a bad one is refused and changes nothing', async () => {
    st = await start(transport);
    const before = await connectTls(st.tlsPort);
    expect(before.getPeerCertificate().subject.CN).toBe('server-one');
    const admin = await RespClient.connect(st.running.port);
    expect(formatReply(await admin.call('CONFIG', 'SET', 'tls-cert-file', f('server2.crt'), 'tls-key-file', f('server2.key')))).toBe('+OK');
    const after = await connectTls(st.tlsPort);
    expect(after.getPeerCertificate().subject.CN).toBe('server-two');
    // The connection made before carries on with its own session.
    const reply = await roundTrip(before, '*1\r\n$4\r\nPING\r\n', (b) => b.includes('\r\n'));
    expect(reply.toString()).toBe('+PONG\r\n');
    expect(formatReply(await admin.call('CONFIG', 'SET', 'tls-cert-file', f('nope.crt')))).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
    );
    expect(await logged(st, /Failed to load certificate: .*nope\.crt/)).toBeTruthy();
    expect(formatReply(await admin.call('CONFIG', 'GET', 'tls-cert-file'))).toBe(formatReply({ type: 'array', value: [
      { type: 'bulk', value: Buffer.from('tls-cert-file') }, { type: 'bulk', value: Buffer.from(f('server2.crt')) }] }));
    const still = await connectTls(st.tlsPort);
    expect(still.getPeerCertificate().subject.CN).toBe('server-two');
    // An encrypted key with its password.
    expect(formatReply(await admin.call('CONFIG', 'SET', 'tls-key-file-pass', 's3cret', 'tls-key-file', f('server-enc.key'), 'tls-cert-file', f('server.crt')))).toBe('+OK');
    const enc = await connectTls(st.tlsPort);
    expect(enc.getPeerCertificate().subject.CN).toBe('server-one');
    for (const s of [before, after, still, enc]) s.destroy();
    await admin.close();
  });

  test('CONFIG SET tls-port moves the TLS listener', async () => {
    st = await start(transport);
    const admin = await RespClient.connect(st.running.port);
    const port = await freePort();
    expect(formatReply(await admin.call('CONFIG', 'SET', 'tls-port', String(port)))).toBe('+OK');
    await new Promise((r) => setTimeout(r, 100));
    expect((await cli(port, 'client', 'PING'))[0]).toBe('PONG');
    expect(formatReply(await admin.call('CONFIG', 'SET', 'tls-port', '0'))).toBe('+OK');
    await new Promise((r) => setTimeout(r, 100));
    expect((await cli(port, 'client', 'PING'))[0]).not.toBe('PONG');
    await admin.close();
  });

  test('big values and long pipelines', async () => {
    st = await start(transport);
    const s = await connectTls(st.tlsPort);
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const setBig = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${big.length}\r\n`), big, Buffer.from('\r\n')]);
    expect((await roundTrip(s, setBig, (b) => b.includes('\r\n'))).toString()).toBe('+OK\r\n');
    const header = `$${big.length}\r\n`;
    const got = await roundTrip(s, '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n', (b) => b.length >= header.length + big.length + 2);
    expect(got.length).toBe(header.length + big.length + 2);
    expect(got.subarray(header.length, header.length + big.length).equals(big)).toBe(true);
    const n = 20000;
    const cmds = Array.from({ length: n }, (_, i) => `*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$${String(i).length}\r\n${i}\r\n`).join('');
    const replies = await roundTrip(s, cmds, (b) => b.toString().endsWith(`:${n}\r\n`));
    expect(replies.toString().split('\r\n').length - 1).toBe(n);
    s.destroy();
  });

  test('sessions are resumed while tls-session-caching is on', async () => {
    st = await start(transport, { 'tls-protocols': 'TLSv1.2' });
    const first = await connectTls(st.tlsPort);
    const session = first.getSession();
    first.destroy();
    const again = await connectTls(st.tlsPort, { session });
    expect(again.isSessionReused()).toBe(true);
    again.destroy();
  });
});

test('a certificate that does not load stops the server at startup', async () => {
  const conf = path.join(dir, 'bad.conf');
  fs.writeFileSync(conf, `port 0\ntls-port ${await freePort()}\ntls-cert-file ${f('missing.crt')}\ntls-key-file ${f('server.key')}\ntls-ca-cert-file ${f('ca.crt')}\n`);
  expect(() => new TachyonServer(Config.fromSources({ file: conf }))).toThrow('Failed to configure TLS. Check logs for more info.');
});

test('TLS against redis-server: the same commands, replies and refusals', async () => {
  const tlsOpts = { 'tls-cert-file': f('server.crt'), 'tls-key-file': f('server.key'), 'tls-ca-cert-file': f('ca.crt') };
  const redisTls = await freePort();
  const redis = await startRedisOracle({ config: { 'tls-port': redisTls, ...tlsOpts } });
  const st = await start('native');
  try {
    for (const cmd of [['PING'], ['SET', 'a', '1'], ['GET', 'a'], ['CONFIG', 'GET', 'tls-auth-clients'], ['ACL', 'WHOAMI']]) {
      expect((await cli(st.tlsPort, 'client', ...cmd))[0]).toBe((await cli(redisTls, 'client', ...cmd))[0]);
    }
    for (const certs of ['none', 'rogue'] as const) {
      expect((await cli(st.tlsPort, certs, 'PING'))[0]).toBe((await cli(redisTls, certs, 'PING'))[0]);
    }
    // The same bad CONFIG SET, refused the same way.
    for (const args of [['tls-cert-file', f('nope.crt')], ['tls-protocols', 'TLSv9'], ['tls-ciphers', 'NOT-A-CIPHER'], ['tls-auth-clients', 'maybe']]) {
      const [r, t] = await Promise.all(
        [redis.port, st.running.port].map(async (port) => {
          const c = await RespClient.connect(port);
          const rep = formatReply(await c.call('CONFIG', 'SET', ...args));
          await c.close();
          return rep;
        }),
      );
      expect(t).toBe(r);
    }
  } finally {
    await Promise.all([redis.close(), st.running.close()]);
  }
});

describe.each(PROTOCOLS)('tls-* options without TLS (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  test('CONFIG GET and SET', () =>
    d.check(
      ['CONFIG', 'GET', 'tls-*'],
      exp(['CONFIG', 'SET', 'tls-ciphers', 'whatever'], '+OK'),
      ['CONFIG', 'SET', 'tls-auth-clients', 'maybe'],
      ['CONFIG', 'SET', 'tls-session-cache-size', '-1'],
      ['CONFIG', 'SET', 'tls-port', '70000'],
      ['CONFIG', 'SET', 'tls-prefer-server-ciphers', 'perhaps'],
      ['CONFIG', 'GET', 'tls-ciphers'],
      exp(['CONFIG', 'SET', 'tls-ciphers', ''], '+OK'),
      ['CONFIG', 'GET', 'acl*'],
    ));
});

/**
 * A hand-made master for replica tests that need to control every byte a
 * replica receives: it parses the commands replicas send (the handshake,
 * PSYNC, REPLCONF ACK) and hands each to the test, which answers it or leaves
 * it to the default (+PONG to PING, +OK to anything else).
 */
import net from 'node:net';

export interface FakeMaster {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): void;
}

/**
 * `onCommand(sock, args, connection)` sees each command (args as strings,
 * the name upper-cased) on the `connection`-th connection; it returns true
 * when it answered (or chose not to), false for the default answer.
 */
export function fakeMaster(onCommand: (sock: net.Socket, args: string[], connection: number) => boolean): Promise<FakeMaster> {
  let n = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => {});
    const connection = ++n;
    let buf = '';
    sock.on('data', (b) => {
      buf += b.toString('latin1');
      for (;;) {
        const m = /^\*(\d+)\r\n((?:\$\d+\r\n[^\r]*\r\n)+)/.exec(buf);
        if (!m) break;
        buf = buf.slice(m[0].length);
        const args = m[2].split('\r\n').filter((_, i) => i % 2 === 1);
        args[0] = args[0].toUpperCase();
        if (onCommand(sock, args, connection)) continue;
        sock.write(args[0] === 'PING' ? '+PONG\r\n' : '+OK\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        connections: () => n,
        close: () => {
          for (const s of socks) s.destroy();
          server.close();
        },
      }),
    ),
  );
}

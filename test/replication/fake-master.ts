/**
 * A hand-made master for replica tests that need to control every byte a
 * replica receives: it parses the commands replicas send (the handshake,
 * PSYNC, REPLCONF ACK) and hands each to the test, which answers it or leaves
 * it to the default (+PONG to PING, +OK to anything else).
 */
import net from 'node:net';

/** A command as RESP text, as a master writes it to the stream. */
export const cmd = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

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

export interface StreamingMaster extends FakeMaster {
  /** Replicas that got the snapshot, in connection order. */
  online(): number;
  /** Writes stream bytes to every online replica. */
  stream(bytes: string): void;
  /** The REPLCONF ACK offsets the i-th online replica sent. */
  acks(i: number): string[];
}

/**
 * A master that answers every PSYNC with +FULLRESYNC <replid> <offset> and
 * `rdb`, then lets the test write the stream to every replica it served;
 * once online a replica's REPLCONF (ACK) is recorded, never answered.
 */
export async function streamingMaster(rdb: Buffer, replid: string, offset: number): Promise<StreamingMaster> {
  const online: net.Socket[] = [];
  const acks = new Map<net.Socket, string[]>();
  const f = await fakeMaster((sock, args) => {
    if (args[0] === 'PSYNC') {
      sock.write(`+FULLRESYNC ${replid} ${offset}\r\n$${rdb.length}\r\n`);
      sock.write(rdb);
      online.push(sock);
      acks.set(sock, []);
      return true;
    }
    if (args[0] === 'REPLCONF' && acks.has(sock)) {
      if (args[1]?.toUpperCase() === 'ACK') acks.get(sock)!.push(args[2]);
      return true;
    }
    return false;
  });
  return {
    ...f,
    online: () => online.length,
    stream: (b) => {
      for (const s of online) s.write(b);
    },
    acks: (i) => acks.get(online[i]) ?? [],
  };
}

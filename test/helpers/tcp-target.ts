/**
 * A TCP server on a free local port that hands each connection to `serve`:
 * the other end of a test that needs a peer behaving in a chosen way
 * (silent, hanging up, answering slowly).
 */
import net from 'node:net';

export interface TcpTarget {
  port: number;
  /** Destroys the open connections and stops listening. */
  close(): Promise<void>;
}

export async function tcpTarget(serve: (c: net.Socket) => void): Promise<TcpTarget> {
  const socks = new Set<net.Socket>();
  const s = net.createServer((c) => {
    socks.add(c);
    c.on('close', () => socks.delete(c));
    c.on('error', () => {});
    serve(c);
  });
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: async () => {
      for (const c of socks) c.destroy();
      await new Promise((res) => s.close(res));
    },
  };
}

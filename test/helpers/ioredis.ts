/**
 * The "through ioredis" fixture: an in-process Tachyon and one ioredis client
 * connected to it for the enclosing describe block, for checks of Tachyon
 * alone as an application sees it (long random scripts against a model).
 *
 *   const fixture = useIoredis();
 *   let r: Redis;
 *   beforeAll(() => { r = fixture.redis; });
 */
import Redis from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index';

export interface IoredisFixture {
  /** The server (available from beforeAll on). */
  readonly server: RunningServer;
  /** A connected client (available from beforeAll on). */
  readonly redis: Redis;
}

export function useIoredis(options: ServerOptions = {}): IoredisFixture {
  let server: RunningServer | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startServer({ port: 0, ...options });
    redis = new Redis({ port: server.port, host: server.host, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('useIoredis: the server starts in beforeAll');
      return server;
    },
    get redis() {
      if (!redis) throw new Error('useIoredis: the client connects in beforeAll');
      return redis;
    },
  };
}

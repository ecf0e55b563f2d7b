/**
 * Socket addresses as Redis prints and checks them: loopback peers
 * (protected mode, protected configs), "ip:port" without the IPv4-mapped
 * prefix, and a socket's file descriptor.
 */
import type { Socket } from 'node:net';

/** True for loopback peers (and unknown ones, as for unix sockets). */
export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/** "ip:port", with IPv4-mapped IPv6 addresses shown as plain IPv4 (CLIENT LIST addr=, laddr=). */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${h.startsWith('::ffff:') ? h.slice(7) : h}:${port ?? 0}`;
}

/** The socket's file descriptor (-1 if it has none: e.g. TLS later, or not on Unix). */
export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } | null })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

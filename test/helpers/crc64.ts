/**
 * CRC-64/Jones, Redis's crc64: the checksum closing DUMP payloads and RDB
 * files, for tests that build or alter such bytes themselves.
 */
const CRC_TABLE = (() => {
  const t: bigint[] = [];
  for (let b = 0n; b < 256n; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1n ? (c >> 1n) ^ 0x95ac9329ac4bc9b5n : c >> 1n;
    t.push(c);
  }
  return t;
})();
export function crc64(buf: Buffer): bigint {
  let crc = 0n;
  for (const byte of buf) crc = CRC_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] ^ (crc >> 8n);
  return crc;
}
/** `head` followed by its CRC64, little endian (the end of a DUMP payload or an RDB file). */
export function withCrc(head: Buffer): Buffer {
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]);
}

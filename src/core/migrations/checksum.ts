// Checksums of migration SQL: sha256 for pgopt's own table; Flyway's CRC32 to compare with
// flyway_schema_history without taking it over.
import { createHash } from 'node:crypto';
import { stripBom } from '../sql/sqlFileText';

export function normalizeLineEndings(sql: string): string {
  return sql.replace(/\r\n?/g, '\n');
}

/** sha256 hex of the SQL without a leading BOM and with CRLF/CR line endings turned into LF (a checkout
 *  on Windows, or an editor adding a BOM, is not drift). */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(normalizeLineEndings(stripBom(sql)), 'utf8').digest('hex');
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/**
 * Flyway's checksum: CRC32 over the UTF-8 bytes of each line without its terminator (a leading BOM
 * removed), as a signed 32-bit integer — what flyway_schema_history.checksum holds.
 */
export function flywayChecksum(sql: string): number {
  let crc = -1;
  const text = sql.replace(/^\uFEFF/, '');
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    for (const byte of Buffer.from(line, 'utf8')) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ -1) | 0;
}

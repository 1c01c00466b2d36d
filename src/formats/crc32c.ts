/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-16. Every checksum in our cold
 * files is CRC32C (reference §8.2, D5); `Bun.hash.crc32` is IEEE CRC-32 and does not match
 * (txindex.md §3.3).
 *
 * Speed (bench/crc32c_bench.ts, this shared 2-core machine): slicing-by-16 over one flat
 * Int32Array table runs about twice as fast as the slicing-by-8 it replaced: ≈1.6 vs ≈0.5–0.9 GB/s
 * over 16 MiB, ≈0.9 vs ≈0.6 GB/s over 256-byte pieces (native IEEE CRC-32: ≈10 and ≈1.8 GB/s).
 * Why this shape: an Int32Array load stays an int32 in the JIT, where a Uint32Array entry ≥ 2^31
 * becomes a double; one flat table with constant offsets replaces eight destructured table locals;
 * 16 bytes per step halves the loop overhead. Tried and dropped: reading the input as 32-bit words
 * through a Uint32Array view (no faster on large inputs, slower on small ones: the view is an
 * allocation per call) and slicing-by-32 (no faster, twice the table).
 * @module
 */

const POLY_REFLECTED = 0x82f63b78;
const SLICE_BYTES = 16;
/** TABLE[k * 256 + n]: the CRC of byte n followed by k zero bytes (table 0 is the byte-wise table). */
const TABLE = buildTable();

function buildTable(): Int32Array {
  const table = new Int32Array(SLICE_BYTES * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n]!;
    for (let k = 1; k < SLICE_BYTES; k++) {
      c = table[c & 0xff]! ^ (c >>> 8);
      table[k * 256 + n] = c;
    }
  }
  return table;
}

/**
 * Continues a CRC32C over `bytes`. Start with `crc32c(bytes)`; to checksum pieces, pass the
 * previous result as `crcSoFar`: `crc32c(b, crc32c(a))` equals `crc32c(a ++ b)`.
 */
export function crc32c(bytes: Uint8Array, crcSoFar = 0): number {
  const t = TABLE;
  let crc = ~crcSoFar;
  let i = 0;
  const length = bytes.length;
  const end16 = length - (length & 15);
  // Byte j of a 16-byte slice is followed by 15 - j more bytes: it indexes table 15 - j.
  while (i < end16) {
    const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ crc;
    crc =
      t[3840 + (word & 0xff)]! ^ t[3584 + ((word >>> 8) & 0xff)]! ^ t[3328 + ((word >>> 16) & 0xff)]! ^ t[3072 + (word >>> 24)]! ^
      t[2816 + bytes[i + 4]!]! ^ t[2560 + bytes[i + 5]!]! ^ t[2304 + bytes[i + 6]!]! ^ t[2048 + bytes[i + 7]!]! ^
      t[1792 + bytes[i + 8]!]! ^ t[1536 + bytes[i + 9]!]! ^ t[1280 + bytes[i + 10]!]! ^ t[1024 + bytes[i + 11]!]! ^
      t[768 + bytes[i + 12]!]! ^ t[512 + bytes[i + 13]!]! ^ t[256 + bytes[i + 14]!]! ^ t[bytes[i + 15]!]!;
    i += SLICE_BYTES;
  }
  while (i < length) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/**
 * CRC32C (src/formats/crc32c.ts) against its floor, measured in the same run on the same bytes:
 *   crc32c        — crc32c() over one 16 MiB buffer (pack and segment reads), GB/s
 *   crc32c_256b   — crc32c() over 256-byte pieces of it (one .idx block, one small record), GB/s
 * Floor: `Bun.hash.crc32` (IEEE CRC-32, native and table-free) over the same bytes: the speed of a
 * CRC when it is not JavaScript. Our CRC must stay CRC32C (D5), so the ratio says how much of the
 * native speed the JS slicing-by-16 reaches. Rounds of ours and the floor alternate, best of
 * ROUNDS each, so noise on a shared machine hits both alike.
 * Prints `bench <name>: <value> <unit> | floor <value> <unit> | ratio <value/floor>`.
 */

import { crc32c } from "../src/formats/crc32c.ts";

const BUFFER_BYTES = 16 << 20;
const PIECE_BYTES = 256;
const ROUNDS = 7;
/** Passes over the buffer per timed round: about 0.1–0.2 s per round for the JS CRC. */
const PASSES_PER_ROUND = 16;

const buffer = new Uint8Array(BUFFER_BYTES);
crypto.getRandomValues(buffer.subarray(0, 65536));
for (let byteOffset = 65536; byteOffset < BUFFER_BYTES; byteOffset += 65536) buffer.copyWithin(byteOffset, 0, 65536);

function wholeBuffer(checksum: (bytes: Uint8Array) => number): number {
  let sink = 0;
  for (let pass = 0; pass < PASSES_PER_ROUND; pass++) sink ^= checksum(buffer);
  return sink;
}

function pieces(checksum: (bytes: Uint8Array) => number): number {
  let sink = 0;
  for (let pass = 0; pass < PASSES_PER_ROUND; pass++) {
    for (let byteOffset = 0; byteOffset < BUFFER_BYTES; byteOffset += PIECE_BYTES) sink ^= checksum(buffer.subarray(byteOffset, byteOffset + PIECE_BYTES));
  }
  return sink;
}

/** Best GB/s of ours and of the floor over ROUNDS alternating rounds of `shape`. */
function measure(shape: (checksum: (bytes: Uint8Array) => number) => number): { ours: number; floor: number } {
  const ieee = (bytes: Uint8Array): number => Bun.hash.crc32(bytes);
  const bytesPerRound = BUFFER_BYTES * PASSES_PER_ROUND;
  let ours = 0;
  let floor = 0;
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const oursStart = Bun.nanoseconds();
    sink ^= shape(crc32c);
    const floorStart = Bun.nanoseconds();
    sink ^= shape(ieee);
    const floorEnd = Bun.nanoseconds();
    ours = Math.max(ours, bytesPerRound / (floorStart - oursStart));
    floor = Math.max(floor, bytesPerRound / (floorEnd - floorStart));
  }
  if (sink === 0x1234_5678) console.log("(sink)"); // keeps the checksums observable
  return { ours, floor };
}

function report(name: string, figures: { ours: number; floor: number }): void {
  console.log(`bench ${name}: ${figures.ours.toFixed(2)} GB/s | floor ${figures.floor.toFixed(2)} GB/s | ratio ${(figures.ours / figures.floor).toFixed(2)}`);
}

report("crc32c", measure(wholeBuffer));
report("crc32c_256b", measure(pieces));

/**
 * The packfile record-offset index (reference §8.2; txindex.md Appendix B): record byte sizes
 * FOR-encoded in groups of 128 (the last group holds only the remainder, no padding), groups
 * concatenated forward, then CRC32C (LE) over all group bytes. An empty file's index is the CRC
 * of nothing: 4 zero bytes.
 *
 * The decoder checks the CRC first, then walks the groups BACKWARD from the tail (each group's
 * width and min are its last 5 bytes), requires every byte consumed, and requires the prefix sum
 * of the sizes to land exactly on `indexBase` (where the records end). Offsets are kept as
 * doubles: a ledger pack can pass 4 GiB, and doubles are exact to 2^53.
 * @module
 */

import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeForGroup, encodeForGroup } from "./for_group.ts";
import { hex32, PACK_INDEX_FOR_GROUP_SIZE } from "./packfile_trailer.ts";

const CRC_BYTES = 4;
/** The smallest FOR group: 1 packed byte + width + min. Bounds recordCount by indexSize (OOM guard). */
const FOR_GROUP_BYTES_MIN = 6;

/** Encodes the sizes of `recordCount` records (each a u32) into index bytes ending in their CRC. */
export function encodeOffsetIndex(recordSizes: Uint32Array): Uint8Array {
  const groups: Uint8Array[] = [];
  let groupBytesTotal = 0;
  for (let start = 0; start < recordSizes.length; start += PACK_INDEX_FOR_GROUP_SIZE) {
    const group = encodeForGroup(recordSizes.subarray(start, start + PACK_INDEX_FOR_GROUP_SIZE));
    groups.push(group);
    groupBytesTotal += group.length;
  }
  const index = new Uint8Array(groupBytesTotal + CRC_BYTES);
  let byteOffset = 0;
  for (const group of groups) {
    index.set(group, byteOffset);
    byteOffset += group.length;
  }
  new DataView(index.buffer).setUint32(byteOffset, crc32c(index.subarray(0, byteOffset)), true);
  return index;
}

/**
 * Decodes `index` (exactly the trailer's indexSize bytes) into `recordCount + 1` absolute record
 * start offsets; the last one equals `indexBase`.
 */
export function decodeOffsetIndex(
  index: Uint8Array,
  options: { recordCount: number; indexBase: number; path: string },
): Float64Array {
  const { recordCount, indexBase, path } = options;
  const fail = (detail: string): never => {
    throw new CorruptFileError(path, `offset index (${index.length} bytes before byte ${indexBase + index.length}): ${detail}`);
  };
  if (index.length < CRC_BYTES) fail("shorter than its CRC");
  const groupBytesTotal = index.length - CRC_BYTES;
  const recordCountMax = Math.floor(groupBytesTotal / FOR_GROUP_BYTES_MIN) * PACK_INDEX_FOR_GROUP_SIZE;
  if (recordCount > recordCountMax) fail(`${recordCount} records cannot fit in ${groupBytesTotal} group bytes`);
  const view = new DataView(index.buffer, index.byteOffset, index.length);
  const storedCrc = view.getUint32(groupBytesTotal, true);
  const computedCrc = crc32c(index.subarray(0, groupBytesTotal));
  if (storedCrc !== computedCrc) fail(`CRC32C ${hex32(storedCrc)}, computed ${hex32(computedCrc)}`);

  const sizes = new Uint32Array(recordCount);
  const groupCount = Math.ceil(recordCount / PACK_INDEX_FOR_GROUP_SIZE);
  let groupEnd = groupBytesTotal;
  for (let group = groupCount - 1; group >= 0; group--) {
    const start = group * PACK_INDEX_FOR_GROUP_SIZE;
    const end = Math.min(start + PACK_INDEX_FOR_GROUP_SIZE, recordCount);
    groupEnd -= decodeForGroup(index.subarray(0, groupEnd), {
      into: sizes.subarray(start, end),
      path,
      where: `offset index group ${group}`,
    });
  }
  if (groupEnd !== 0) fail(`${groupEnd} bytes left over after ${groupCount} groups`);

  const offsets = new Float64Array(recordCount + 1);
  let byteOffset = 0;
  for (let record = 0; record < recordCount; record++) {
    offsets[record] = byteOffset;
    byteOffset += sizes[record]!;
  }
  if (byteOffset !== indexBase) fail(`record sizes sum to ${byteOffset}, but records end at byte ${indexBase}`);
  offsets[recordCount] = byteOffset;
  return offsets;
}

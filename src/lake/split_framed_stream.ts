/**
 * The "framed stream" container (lake-and-xdr §1.7): stellar-core's `--metadata-output-stream` and
 * the SDK's load-test files. RFC 5531 record marking with single-fragment records:
 * `u32be (byteLength | 0x80000000)` then `byteLength` bytes of one LedgerCloseMeta. Pure.
 * @module
 */

import { FullhistoryError } from "../errors.ts";

/** Set on every record mark: "this fragment is the last (only) one of its record". */
export const LAST_FRAGMENT_BIT = 0x8000_0000;

export class FramedStreamError extends FullhistoryError {
  override name = "FramedStreamError";
}

/** The records of a decompressed framed stream read from `location`, as views into `bytes`. */
export function splitFramedStream(bytes: Uint8Array, location: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let byteOffset = 0;
  // Each pass consumes at least the 4-byte mark, so the loop ends within bytes.length / 4 passes.
  while (byteOffset < bytes.length) {
    if (byteOffset + 4 > bytes.length) throw corrupt(location, `record mark truncated at byte ${byteOffset}`);
    const mark = view.getUint32(byteOffset);
    if ((mark & LAST_FRAGMENT_BIT) === 0) throw corrupt(location, `multi-fragment record at byte ${byteOffset}`);
    const recordBytes = (mark & ~LAST_FRAGMENT_BIT) >>> 0;
    const start = byteOffset + 4;
    if (start + recordBytes > bytes.length) {
      throw corrupt(location, `record at byte ${byteOffset} claims ${recordBytes} bytes, ${bytes.length - start} remain`);
    }
    records.push(bytes.subarray(start, start + recordBytes));
    byteOffset = start + recordBytes;
  }
  return records;
}

function corrupt(location: string, detail: string): FramedStreamError {
  return new FramedStreamError(`Cannot read framed ledger stream "${location}": ${detail}`);
}

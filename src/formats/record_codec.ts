/**
 * The packfile record codec contract (reference §8.2: "encode = caller codec or passthrough").
 * A codec turns a whole record's raw bytes (all its items concatenated) into the bytes stored on
 * disk and back. It is pure: same input, same output. `decode` gets bytes read from disk, so it
 * must reject anything it cannot decode exactly with `RecordDecodeError`, never return garbage; the
 * packfile reader turns that into a `CorruptFileError` naming the file and record.
 * @module
 */

import { crc32c } from "./crc32c.ts";

/** A record encoder/decoder pair. `encode` must accept an empty record. */
export interface RecordCodec {
  /** Short name for messages ("identity", "crc32c", "zstd"). */
  readonly name: string;
  encode(raw: Uint8Array): Uint8Array;
  /** Throws `RecordDecodeError` when `stored` is not a valid encoding. */
  decode(stored: Uint8Array): Uint8Array;
}

/** `decode` was handed bytes that are not a valid encoding. The message says what was wrong. */
export class RecordDecodeError extends Error {
  override name = "RecordDecodeError";
}

/**
 * Passthrough (reference §8.2 "nil codec"): records stored verbatim. Note that packfile v1 then
 * protects only the item sizes (ipr > 1), not the item bytes; our own formats use `CRC32C_CODEC`.
 */
export const IDENTITY_CODEC: RecordCodec = {
  name: "identity",
  encode: (raw) => raw,
  decode: (stored) => stored,
};

const CRC_BYTES = 4;

/**
 * Verbatim record followed by its CRC32C (u32 LE). Our term-index pack (D7) uses it so that every
 * stored byte is checked on read; the cost is 4 bytes per record.
 */
export const CRC32C_CODEC: RecordCodec = {
  name: "crc32c",
  encode(raw) {
    const stored = new Uint8Array(raw.length + CRC_BYTES);
    stored.set(raw);
    new DataView(stored.buffer).setUint32(raw.length, crc32c(raw), true);
    return stored;
  },
  decode(stored) {
    if (stored.length < CRC_BYTES) throw new RecordDecodeError(`${stored.length} bytes, too short for a CRC32C`);
    const raw = stored.subarray(0, stored.length - CRC_BYTES);
    const storedCrc = new DataView(stored.buffer, stored.byteOffset + raw.length, CRC_BYTES).getUint32(0, true);
    const computedCrc = crc32c(raw);
    if (storedCrc !== computedCrc) {
      throw new RecordDecodeError(`CRC32C 0x${storedCrc.toString(16)}, computed 0x${computedCrc.toString(16)}`);
    }
    return raw;
  },
};

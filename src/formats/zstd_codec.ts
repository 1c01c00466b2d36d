/**
 * The zstd record codec (reference §8.3, D5): level 3, content checksum on, content size in the
 * frame header, one frame per record. Empty input encodes to EMPTY output (no frame) and empty
 * input decodes to empty output. Used for ledger `.pack` and `-events.pack` records.
 *
 * Why two libraries: only `node:zlib`'s `zstdCompressSync` takes zstd parameters, and the checksum
 * flag is one (`Bun.zstdCompressSync` takes a level only and writes no checksum). Decoding uses
 * `Bun.zstdDecompressSync`: it verifies the checksum, rejects truncated frames (node:zlib returns
 * a short result for those without an error) and is ~1.7× faster. Before decompressing, the frame
 * is walked (`_zstd_frame.ts`) so that a corrupt record can neither allocate without bound nor be
 * silently short; frames without a content size still decode.
 * @module
 */

import { constants, zstdCompressSync } from "node:zlib";
import { assert } from "../assert.ts";
import { errnoCode } from "../errors.ts";
import { walkZstdFrame } from "./_zstd_frame.ts";
import { type RecordCodec, RecordDecodeError } from "./record_codec.ts";

/** Compression level (§8.3). */
export const ZSTD_LEVEL = 3;
/**
 * The largest record we encode or decode. A LedgerCloseMeta is a few MiB at most and an events
 * record holds 128 payloads; the bound exists so a corrupt frame cannot make a reader allocate
 * without limit.
 */
export const ZSTD_RECORD_BYTES_MAX = 256 * 1024 * 1024;

/** More than ZSTD_compressBound adds to `n + n/256` (at most 64 bytes below 128 KiB of input). */
const COMPRESS_BOUND_SLACK_BYTES = 1024;

const COMPRESS_OPTIONS = {
  params: {
    [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL,
    [constants.ZSTD_c_checksumFlag]: 1,
    [constants.ZSTD_c_contentSizeFlag]: 1,
  },
};

/** Compresses `raw` into one checksummed zstd frame at level 3; empty stays empty. */
export function zstdEncode(raw: Uint8Array): Uint8Array {
  assert(raw.length <= ZSTD_RECORD_BYTES_MAX, `zstd record of ${raw.length} bytes exceeds ${ZSTD_RECORD_BYTES_MAX}`);
  if (raw.length === 0) return new Uint8Array(0);
  // An output buffer larger than ZSTD_compressBound: node:zlib in Bun appends a second, empty frame
  // when the compressed size is an exact multiple of its output chunk (16 KiB by default).
  const frame = zstdCompressSync(raw, { ...COMPRESS_OPTIONS, chunkSize: raw.length + (raw.length >> 8) + COMPRESS_BOUND_SLACK_BYTES });
  // Pair check before the bytes reach disk (R4): what we write must pass our own decoder's walk.
  const info = walkZstdFrame(frame, ZSTD_RECORD_BYTES_MAX);
  assert(typeof info !== "string", `zstd produced a frame our reader rejects: ${String(info)}`);
  assert(info.contentBytes === raw.length, `zstd frame declares ${info.contentBytes} bytes, input is ${raw.length}`);
  return new Uint8Array(frame.buffer, frame.byteOffset, frame.length);
}

/** Decompresses one frame written by `zstdEncode` (or any checksummed, dictionary-free frame). */
export function zstdDecode(stored: Uint8Array): Uint8Array {
  if (stored.length === 0) return new Uint8Array(0);
  const info = walkZstdFrame(stored, ZSTD_RECORD_BYTES_MAX);
  if (typeof info === "string") throw new RecordDecodeError(info);
  let decoded: Uint8Array;
  try {
    decoded = Bun.zstdDecompressSync(stored);
  } catch (err) {
    if (errnoCode(err) !== "ERR_ZSTD") throw err; // only the decompressor's own verdict means "bad bytes"
    throw new RecordDecodeError(`zstd rejected the frame: ${(err as Error).message}`, { cause: err });
  }
  if (info.contentBytes !== undefined && decoded.length !== info.contentBytes) {
    throw new RecordDecodeError(`zstd frame declares ${info.contentBytes} bytes, decoded ${decoded.length}`);
  }
  if (decoded.length > ZSTD_RECORD_BYTES_MAX) {
    throw new RecordDecodeError(`zstd frame decoded to ${decoded.length} bytes, over ${ZSTD_RECORD_BYTES_MAX}`);
  }
  return decoded;
}

/** The codec object packfile writers and readers take. */
export const ZSTD_CODEC: RecordCodec = { name: "zstd", encode: zstdEncode, decode: zstdDecode };

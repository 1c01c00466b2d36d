/**
 * Structural walk of one zstd frame (RFC 8878 §3.1.1), private to the zstd codec. Bun's
 * decompressor checks the content checksum, but `node:zlib`'s returns a short result for a
 * truncated frame without an error, and neither bounds the output size. So before decompressing
 * a record we walk the frame header and block headers ourselves and require: exactly one frame
 * filling the input (no trailing bytes), no dictionary, the content-checksum flag set (a
 * single-item record has no CRC of its own; the frame checksum is its integrity check, §8.3), and
 * a decoded size bounded by `decodedBytesMax`. The walk is cheap: one 3-byte header per ≤128 KiB block.
 * @module
 */

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_HEADER_BYTES = 3;
const CHECKSUM_BYTES = 4;
/** RFC 8878 §3.1.1.2.4: no block regenerates more than 128 KiB. */
const BLOCK_DECODED_BYTES_MAX = 128 * 1024;
const BLOCK_TYPE_RAW = 0;
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_COMPRESSED = 2;

/** What the walk learned; `contentBytes` is undefined when the frame omits its content size. */
export interface ZstdFrameInfo {
  contentBytes: number | undefined;
  decodedBytesBound: number;
}

/** Walks `frame`; returns its info, or a one-line description of the first problem found. */
export function walkZstdFrame(frame: Uint8Array, decodedBytesMax: number): ZstdFrameInfo | string {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
  if (frame.length < 6) return `zstd frame is ${frame.length} bytes, shorter than a frame header`;
  const magic = view.getUint32(0, true);
  if (magic !== FRAME_MAGIC) return `zstd magic 0x${magic.toString(16)}, want 0x${FRAME_MAGIC.toString(16)}`;
  const descriptor = frame[4]!;
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) return "zstd frame header reserved bit is set";
  if ((descriptor & 0x04) === 0) return "zstd frame has no content checksum";
  if ((descriptor & 0x03) !== 0) return "zstd frame names a dictionary";
  let byteOffset = 5 + (singleSegment ? 0 : 1);
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!;
  if (frame.length < byteOffset + contentSizeBytes) return "zstd frame header is truncated";
  let contentBytes: number | undefined;
  if (contentSizeBytes === 1) contentBytes = frame[byteOffset]!;
  if (contentSizeBytes === 2) contentBytes = view.getUint16(byteOffset, true) + 256;
  if (contentSizeBytes === 4) contentBytes = view.getUint32(byteOffset, true);
  if (contentSizeBytes === 8) {
    const wide = view.getBigUint64(byteOffset, true);
    if (wide > BigInt(decodedBytesMax)) return `zstd content size ${wide} exceeds ${decodedBytesMax}`;
    contentBytes = Number(wide);
  }
  byteOffset += contentSizeBytes;
  if (contentBytes !== undefined && contentBytes > decodedBytesMax) {
    return `zstd content size ${contentBytes} exceeds ${decodedBytesMax}`;
  }

  let decodedBytesBound = 0;
  // Each pass consumes ≥ 3 bytes or returns, so the walk ends within frame.length / 3 passes.
  let lastBlock = false;
  for (let blockIndex = 0; !lastBlock; blockIndex++) {
    if (frame.length < byteOffset + BLOCK_HEADER_BYTES) return `zstd block ${blockIndex} header is truncated`;
    const header = frame[byteOffset]! | (frame[byteOffset + 1]! << 8) | (frame[byteOffset + 2]! << 16);
    byteOffset += BLOCK_HEADER_BYTES;
    lastBlock = (header & 1) === 1;
    const blockType = (header >> 1) & 3;
    const blockSize = header >>> 3;
    let storedBytes: number;
    if (blockType === BLOCK_TYPE_RAW) {
      storedBytes = blockSize;
      decodedBytesBound += blockSize;
    } else if (blockType === BLOCK_TYPE_RLE) {
      storedBytes = 1;
      decodedBytesBound += blockSize;
    } else if (blockType === BLOCK_TYPE_COMPRESSED) {
      if (blockSize > BLOCK_DECODED_BYTES_MAX) return `zstd block ${blockIndex} is ${blockSize} bytes, over 128 KiB`;
      storedBytes = blockSize;
      decodedBytesBound += BLOCK_DECODED_BYTES_MAX;
    } else {
      return `zstd block ${blockIndex} has the reserved block type`;
    }
    if (frame.length < byteOffset + storedBytes) return `zstd block ${blockIndex} is truncated`;
    byteOffset += storedBytes;
    if (decodedBytesBound > decodedBytesMax + BLOCK_DECODED_BYTES_MAX) {
      return `zstd frame decodes to more than ${decodedBytesMax} bytes`;
    }
  }
  if (frame.length < byteOffset + CHECKSUM_BYTES) return "zstd frame checksum is truncated";
  byteOffset += CHECKSUM_BYTES;
  if (byteOffset !== frame.length) return `${frame.length - byteOffset} bytes follow the zstd frame`;
  if (contentBytes !== undefined && contentBytes > decodedBytesBound) {
    return `zstd content size ${contentBytes} exceeds what its blocks can hold (${decodedBytesBound})`;
  }
  return { contentBytes, decodedBytesBound: Math.min(decodedBytesBound, decodedBytesMax) };
}

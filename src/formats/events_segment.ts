/**
 * Events segment format facts (reference §8.5, D7): three files per chunk.
 *
 *   -events.pack  packfile v1, format 0xFE1E000C, 128 payloads per zstd record; item i = the
 *                 Payload v1 (`event_payload.ts`) of chunk-relative event id i, in emission order;
 *                 appData = LedgerOffsets v1 (`ledger_offsets.ts`). Byte-compatible with the reference.
 *   -index.pack   packfile v1, format 0xFE1E000B, 128 posting lists per record; item r = the posting
 *                 list (`posting_list.ts`) of the term of rank r; records use the CRC32C codec so
 *                 every byte is checked (our structure, D7; the reference stores roaring bitmaps).
 *   -index.hash   term dictionary (`term_dictionary.ts`): term key → rank, plus the footer that
 *                 binds the three files together (our structure, D7; the reference stores an MPHF).
 *
 * Writer: `events_segment_writer.ts`; reader: `events_segment_reader.ts`.
 * @module
 */

import type { PackfileWriterOptions } from "./packfile_writer.ts";
import { CRC32C_CODEC } from "./record_codec.ts";
import { ZSTD_CODEC } from "./zstd_codec.ts";

/** `-events.pack` layout (reference §8.5a). */
export const EVENTS_PACK_LAYOUT: PackfileWriterOptions = { format: 0xfe1e000c, itemsPerRecord: 128, codec: ZSTD_CODEC };
/** `-index.pack` layout (D7). */
export const TERM_INDEX_PACK_LAYOUT: PackfileWriterOptions = {
  format: 0xfe1e000b,
  itemsPerRecord: 128,
  codec: CRC32C_CODEC,
};

/** The three files of one segment; `Layout.artifactPaths(chunk, "events")` names them (reference §3.1). */
export interface EventsSegmentPaths {
  eventsPack: string;
  indexPack: string;
  indexHash: string;
}

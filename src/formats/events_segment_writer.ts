/**
 * Writes one events segment (three files, `events_segment.ts`) in a single streaming pass over a
 * chunk's ledgers (reference §8.5, D7):
 *
 *   1. `appendLedger(seq, events)` for every ledger in order, zero-event ledgers included:
 *      payloads stream into `-events.pack` (bounded: one record of 128 is buffered), term keys
 *      into the in-memory posting builder (`_term_postings.ts`), and the ledger's cumulative
 *      event count into LedgerOffsets.
 *   2. `finish()`: `-events.pack` gets LedgerOffsets as appData and is fsynced; the posting lists
 *      are sorted by term key and written to `-index.pack` (fsynced); the term dictionary
 *      `-index.hash` is written last (fsynced), its footer binding the other two.
 *
 * Any failure, or `close()` before `finish()` completes, removes all three files: a segment is
 * all or nothing. Directory entries are the write protocol's to fsync (reference §5.2 step 6).
 * Bytes the caller passes in are copied before `appendLedger` returns (the XDR walker reuses its
 * buffers).
 * @module
 */

import * as fs from "node:fs";
import { assert } from "../assert.ts";
import { errnoCode, FullhistoryError } from "../errors.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { crc32c } from "./crc32c.ts";
import { EVENT_PAYLOAD_HEADER_BYTES, encodeEventPayloadInto, type EventPayload } from "./event_payload.ts";
import { EVENTS_PACK_LAYOUT, type EventsSegmentPaths, TERM_INDEX_PACK_LAYOUT } from "./events_segment.ts";
import { FileIoError } from "./file_io_error.ts";
import { GrowableU32 } from "./_growable_u32.ts";
import { encodeLedgerOffsets } from "./ledger_offsets.ts";
import { createPackfileWriter, type PackfileWriter } from "./packfile_writer.ts";
import { TermPostingsBuilder } from "./_term_postings.ts";
import { writeTermDictionary } from "./term_dictionary_writer.ts";

const U32_MAX = 0xffff_ffff;

/** One contract event as the XDR walker hands it over; ledgerSeq comes from `appendLedger`. */
export interface EventInput {
  /** Outer transaction hash, 32 bytes. */
  txHash: Uint8Array;
  txIdx: number;
  opIdx: number;
  eventIdx: number;
  /** Ledger close time, unix seconds. */
  ledgerClosedAt: number;
  /** Raw ContractEvent XDR, at least 1 byte. */
  contractEvent: Uint8Array;
  /** The event's term keys (`termKey()`), at most 5; a repeated key counts once. */
  termKeys: readonly Uint8Array[];
}

/** A caller handed the writer ledgers it cannot store: a gap, a repeat, or none at all. */
export class EventsSegmentError extends FullhistoryError {
  override name = "EventsSegmentError";
}

type SegmentWriterState = "open" | "finished" | "closed";

/** Creates (truncating) the segment's events pack; the index files are written by `finish()`. */
export function createEventsSegmentWriter(paths: EventsSegmentPaths, firstLedgerSeq: LedgerSeq): EventsSegmentWriter {
  assert(Number.isInteger(firstLedgerSeq), `first ledger ${firstLedgerSeq} is not an integer`);
  assert(firstLedgerSeq >= 0, `first ledger ${firstLedgerSeq} is negative`);
  assert(firstLedgerSeq <= U32_MAX, `first ledger ${firstLedgerSeq} exceeds u32`);
  return new EventsSegmentWriter({ paths, firstLedgerSeq, eventsPack: createPackfileWriter(paths.eventsPack, EVENTS_PACK_LAYOUT) });
}

/** One segment being written; see the module doc for the protocol. */
export class EventsSegmentWriter {
  readonly paths: EventsSegmentPaths;
  readonly firstLedgerSeq: LedgerSeq;
  readonly #eventsPack: PackfileWriter;
  #indexPack: PackfileWriter | undefined;
  readonly #postings = new TermPostingsBuilder();
  readonly #cumulativeEventCounts = new GrowableU32(U32_MAX);
  #payloadScratch = new Uint8Array(4096);
  /** The payload being encoded, reused for every event (no object per event on this path). */
  readonly #payload: EventPayload = {
    txHash: new Uint8Array(0),
    ledgerSeq: 0 as LedgerSeq,
    txIdx: 0,
    opIdx: 0,
    ledgerClosedAt: 0,
    eventIdx: 0,
    contractEvent: new Uint8Array(0),
  };
  #state: SegmentWriterState = "open";

  /** Use `createEventsSegmentWriter`. */
  constructor(parts: { paths: EventsSegmentPaths; firstLedgerSeq: LedgerSeq; eventsPack: PackfileWriter }) {
    this.paths = parts.paths;
    this.firstLedgerSeq = parts.firstLedgerSeq;
    this.#eventsPack = parts.eventsPack;
  }

  get ledgerCount(): number {
    return this.#cumulativeEventCounts.length;
  }

  get eventCount(): number {
    return this.#postings.eventCount;
  }

  /** The only sequence `appendLedger` accepts next. */
  get nextLedgerSeq(): LedgerSeq {
    return (this.firstLedgerSeq + this.ledgerCount) as LedgerSeq;
  }

  /** Appends ledger `ledgerSeq` (which must be `nextLedgerSeq`) and its events in emission order. */
  appendLedger(ledgerSeq: LedgerSeq, events: readonly EventInput[]): void {
    assert(this.#state === "open", `append to events segment "${this.paths.eventsPack}" in state ${this.#state}`);
    if (ledgerSeq !== this.nextLedgerSeq) {
      throw new EventsSegmentError(
        `Cannot append ledger ${ledgerSeq} to events segment "${this.paths.eventsPack}": ledger ` +
          `${this.nextLedgerSeq} must come next (a segment holds consecutive ledgers from ${this.firstLedgerSeq}); ` +
          `the ledger source delivered out of order`,
      );
    }
    assert(ledgerSeq <= U32_MAX, `ledger ${ledgerSeq} exceeds u32`);
    assert(this.eventCount + events.length <= U32_MAX, "segment would exceed u32-max events");
    try {
      for (const event of events) this.#appendEvent(ledgerSeq, event);
      this.#cumulativeEventCounts.push(this.eventCount);
    } catch (err) {
      this.#removeAllAndRethrow(err);
    }
  }

  /** Writes LedgerOffsets, the index pack and the term dictionary; fsyncs each. */
  finish(): void {
    assert(this.#state === "open", `finish events segment "${this.paths.eventsPack}" in state ${this.#state}`);
    if (this.ledgerCount === 0) {
      this.#removeAllAndRethrow(
        new EventsSegmentError(
          `Cannot finish events segment "${this.paths.eventsPack}": no ledgers were appended ` +
            `(want ledgers from ${this.firstLedgerSeq}); the partial files were removed`,
        ),
      );
    }
    try {
      const ledgerOffsets = encodeLedgerOffsets({
        startLedgerSeq: this.firstLedgerSeq,
        cumulativeEventCounts: this.#cumulativeEventCounts.view(),
      });
      assert(this.#eventsPack.itemCount === this.eventCount, "events pack and posting builder disagree on the event count");
      this.#eventsPack.finish(ledgerOffsets);

      const eventCount = this.eventCount;
      const built = this.#postings.build();
      const indexPack = createPackfileWriter(this.paths.indexPack, TERM_INDEX_PACK_LAYOUT);
      this.#indexPack = indexPack;
      let postingStart = 0;
      for (const postingEnd of built.postingEnds) {
        indexPack.append(built.postings.subarray(postingStart, postingEnd));
        postingStart = postingEnd;
      }
      indexPack.finish();

      writeTermDictionary(this.paths.indexHash, built.sortedKeys, { eventCount, ledgerOffsetsCrc: crc32c(ledgerOffsets) });
      this.#state = "finished";
    } catch (err) {
      this.#removeAllAndRethrow(err);
    }
  }

  /** Abandons an unfinished segment and removes its files; a no-op after `finish()`. */
  close(): void {
    if (this.#state !== "open") return;
    this.#state = "closed";
    this.#removeAll();
  }

  #appendEvent(ledgerSeq: LedgerSeq, event: EventInput): void {
    const payloadBytes = EVENT_PAYLOAD_HEADER_BYTES + event.contractEvent.length;
    if (this.#payloadScratch.length < payloadBytes) {
      this.#payloadScratch = new Uint8Array(Math.max(payloadBytes, this.#payloadScratch.length * 2));
    }
    const payload = this.#payload;
    payload.txHash = event.txHash;
    payload.ledgerSeq = ledgerSeq;
    payload.txIdx = event.txIdx;
    payload.opIdx = event.opIdx;
    payload.ledgerClosedAt = event.ledgerClosedAt;
    payload.eventIdx = event.eventIdx;
    payload.contractEvent = event.contractEvent;
    const written = encodeEventPayloadInto(payload, this.#payloadScratch);
    this.#eventsPack.append(this.#payloadScratch.subarray(0, written));
    this.#postings.addEvent(event.termKeys);
  }

  #removeAllAndRethrow(failure: unknown): never {
    if (this.#state === "open") {
      this.#state = "closed";
      try {
        this.#removeAll();
      } catch (cleanupErr) {
        const original = failure instanceof Error ? failure.message : String(failure);
        throw new FileIoError(this.paths.eventsPack, { step: `remove the partial segment (after: ${original})`, cause: cleanupErr });
      }
    }
    throw failure;
  }

  /** Closes open writers (removing their files) and unlinks files already finished. */
  #removeAll(): void {
    this.#eventsPack.close();
    this.#indexPack?.close();
    for (const path of [this.paths.eventsPack, this.paths.indexPack, this.paths.indexHash]) removeIfPresent(path);
  }
}

function removeIfPresent(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw new FileIoError(path, { step: "remove", cause: err }); // ENOENT: never written
  }
}

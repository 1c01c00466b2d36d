/**
 * What the ingestion loop's Worker does (`_ingest_protocol.ts`, `docs/ingestion.md`): opens its own
 * lake source from the `start` message's plain options, fetches each ledger in sequence order
 * (asking again every poll interval while the lake does not hold it yet), walks, compresses and
 * lays out its hot-DB batch (`prepareLedgerBatch`), and posts it (its buffer transferred, not
 * copied) while the main thread blocks in the synced commit of an earlier one (reference §7.11).
 * No RocksDB, no catalog. Events are numbered on within a chunk, from 0 at each chunk's first ledger.
 *
 * Keeps: at most `aheadLedgerCount` ledgers posted and not yet handed out (`handedOut` frees one);
 * exactly one answer per ledger, in order; after a failure it fetches nothing more (the main
 * thread stops at the first failure and terminates the Worker).
 *
 * The entry (`_ingest_worker.ts`) passes `openLakeSource`; a test entry may wrap it to watch the lake.
 * @module
 */

import { serializeError } from "../serialized_error.ts";
import { assert, unreachable } from "../assert.ts";
import { isChunkAligned, LEDGER_SEQ_MAX, type LedgerSeq } from "../geometry/chunk.ts";
import { prepareLedgerBatch } from "../hot/prepared_ledger_batch.ts";
import { LakeCorruptObjectError } from "../lake/lake_errors.ts";
import { type LedgerSource } from "../lake/ledger_source.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { type FromIngestWorker, type IngestFailure, type ToIngestWorker } from "./_ingest_protocol.ts";

type StartMessage = Extract<ToIngestWorker, { kind: "start" }>;

/** Serves the protocol on `port` (the Worker's `self`), opening the lake with `openSource`. */
export function serveIngestWorker(port: Worker, options: { openSource: (lake: LakeSourceOptions) => Promise<LedgerSource> }): void {
  let started = false;
  /** Ledgers posted and not yet handed out; the fetch loop waits while it is at the bound. */
  let aheadLedgerCount = 0;
  let slotFreed = Promise.withResolvers<void>();
  const waitForSlot = (): Promise<void> => slotFreed.promise;

  port.onmessage = (event: MessageEvent<ToIngestWorker>): void => {
    const message = event.data;
    switch (message.kind) {
      case "start":
        assert(!started, "an ingest Worker is started once");
        started = true;
        void fetchAndPrepare(port, message, {
          openSource: options.openSource,
          posted: () => aheadLedgerCount++,
          atBound: () => aheadLedgerCount >= message.aheadLedgerCount,
          waitForSlot,
        });
        return;
      case "handedOut":
        assert(aheadLedgerCount > 0, `ingest Worker: ledger ${message.ledgerSeq} handed out but none was posted`);
        aheadLedgerCount--;
        slotFreed.resolve();
        slotFreed = Promise.withResolvers<void>();
        return;
      default:
        unreachable(message);
    }
  };
}

/** The fetch loop: never rejects; it ends at the first failure, which it posts. */
async function fetchAndPrepare(
  port: Worker,
  start: StartMessage,
  slots: {
    openSource: (lake: LakeSourceOptions) => Promise<LedgerSource>;
    posted: () => void;
    atBound: () => boolean;
    waitForSlot: () => Promise<void>;
  },
): Promise<void> {
  let ledgerSeq: number = start.ledgerSeq;
  let eventId = start.firstEventId;
  let lake: LedgerSource;
  try {
    lake = await slots.openSource(start.lake);
  } catch (error) {
    port.postMessage(failed(ledgerSeq as LedgerSeq, { stage: "fetch", error }));
    return;
  }
  // Bounded by the uint32 ledger domain; in practice it ends at a failure or when the main thread
  // terminates the Worker.
  for (; ledgerSeq <= LEDGER_SEQ_MAX; ledgerSeq++) {
    // Each pass waits for one `handedOut`.
    while (slots.atBound()) await slots.waitForSlot();
    const reply = await fetchAndPrepareOne(lake, { ledgerSeq: ledgerSeq as LedgerSeq, firstEventId: isChunkAligned(ledgerSeq as LedgerSeq) ? 0 : eventId, start });
    slots.posted();
    if (reply.kind === "failed") {
      port.postMessage(reply);
      return;
    }
    eventId = reply.batch.firstEventId + reply.batch.eventCount;
    port.postMessage(reply, [reply.batch.rep.buffer]);
  }
}

/** One ledger's answer: fetched (polling) and prepared, or why not. */
async function fetchAndPrepareOne(
  lake: LedgerSource,
  options: { ledgerSeq: LedgerSeq; firstEventId: number; start: StartMessage },
): Promise<FromIngestWorker> {
  const { ledgerSeq, start } = options;
  let lcmBytes: Uint8Array;
  try {
    lcmBytes = await fetchPolling(lake, { ledgerSeq, pollIntervalMs: start.pollIntervalMs });
  } catch (error) {
    return failed(ledgerSeq, { stage: "fetch", error });
  }
  try {
    // The lake's bytes may be a view into a whole decoded object: read here, never transferred.
    const batch = prepareLedgerBatch(ledgerSeq, lcmBytes, { firstEventId: options.firstEventId, columnFamilyIds: start.columnFamilyIds });
    return { kind: "prepared", batch };
  } catch (error) {
    return failed(ledgerSeq, { stage: "prepare", error });
  }
}

/** Ledger `ledgerSeq` from the lake, asking again every poll interval (the tail has no end). */
async function fetchPolling(lake: LedgerSource, options: { ledgerSeq: LedgerSeq; pollIntervalMs: number }): Promise<Uint8Array> {
  // Unbounded in time on purpose: the tail waits as long as the network does not close a ledger;
  // the main thread ends it by terminating the Worker.
  for (;;) {
    const lcmBytes = await lake.ledger(options.ledgerSeq);
    if (lcmBytes !== undefined) return lcmBytes;
    await Bun.sleep(options.pollIntervalMs);
  }
}

function failed(ledgerSeq: LedgerSeq, context: { stage: IngestFailure["stage"]; error: unknown }): FromIngestWorker {
  const { error } = context;
  const corruptObject = error instanceof LakeCorruptObjectError ? { location: error.location, detail: error.detail } : undefined;
  return { kind: "failed", ledgerSeq, failure: { stage: context.stage, error: serializeError(error), corruptObject } };
}

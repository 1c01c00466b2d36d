/**
 * Entry point of the ingestion loop's prepare Worker (`_ingest_protocol.ts`, `docs/ingestion.md`):
 * walks, compresses and lays out each ledger's hot-DB batch (`prepareLedgerBatch`) on the second
 * core while the main thread blocks in the synced commit of the previous one (reference §7.11).
 * Pure CPU: no RocksDB, no catalog, no lake. Ledgers arrive in sequence order; the Worker numbers
 * their events (running on within a chunk, from 0 at each chunk's first ledger) and answers each
 * with one `prepared` (its buffer transferred, not copied) or one `failed`.
 *
 * `bun build --compile` must list this file as an extra entrypoint (the Makefile's `build:` line);
 * `_ingest_pipeline.ts` finds it in the binary.
 * @module
 */

import { assert, unreachable } from "../assert.ts";
import { FullhistoryError } from "../errors.ts";
import { isChunkAligned, type LedgerSeq } from "../geometry/chunk.ts";
import { prepareLedgerBatch } from "../hot/prepared_ledger_batch.ts";
import { errorChainText } from "../log/logger.ts";
import { type FromIngestWorker, type ToIngestWorker } from "./_ingest_protocol.ts";

declare const self: Worker;

/** The ledger the Worker expects next and the id its first event takes; undefined before `start`. */
let expected: { ledgerSeq: number; eventId: number } | undefined;
/** The ids the batches name the hot DB's column families by (`start`); undefined before it. */
let columnFamilyIds: readonly number[] | undefined;

self.onmessage = (event: MessageEvent<ToIngestWorker>): void => {
  const message = event.data;
  switch (message.kind) {
    case "start":
      assert(expected === undefined, "an ingest Worker is started once");
      expected = { ledgerSeq: message.ledgerSeq, eventId: message.firstEventId };
      columnFamilyIds = message.columnFamilyIds;
      return;
    case "prepare":
      prepareAndReply(message.ledgerSeq, message.lcmBytes);
      return;
    default:
      unreachable(message);
  }
};

function prepareAndReply(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array): void {
  const reply = replyTo(ledgerSeq, lcmBytes);
  if (reply.kind === "prepared") self.postMessage(reply, [reply.batch.rep.buffer]);
  else self.postMessage(reply);
}

function replyTo(ledgerSeq: LedgerSeq, lcmBytes: Uint8Array): FromIngestWorker {
  try {
    assert(expected !== undefined, "an ingest Worker got a ledger before start");
    assert(columnFamilyIds !== undefined, "an ingest Worker got no column family ids at start");
    assert(ledgerSeq === expected.ledgerSeq, `ingest Worker: got ledger ${ledgerSeq}, expected ${expected.ledgerSeq}`);
    const firstEventId = isChunkAligned(ledgerSeq) ? 0 : expected.eventId;
    const batch = prepareLedgerBatch(ledgerSeq, lcmBytes, { firstEventId, columnFamilyIds });
    expected = { ledgerSeq: ledgerSeq + 1, eventId: firstEventId + batch.eventCount };
    return { kind: "prepared", batch };
  } catch (error) {
    // A failed ledger leaves `expected` where it was, so every later ledger fails too; the main
    // thread stops at the first failure in any case.
    const failure = {
      expected: error instanceof FullhistoryError,
      name: error instanceof Error ? error.name : typeof error,
      message: errorChainText(error),
      stack: error instanceof Error ? error.stack : undefined,
    };
    return { kind: "failed", ledgerSeq, failure };
  }
}

/**
 * The ingestion loop's prepare pipeline (reference §7.11, D12; `docs/ingestion.md`): the Worker
 * (`_ingest_worker_loop.ts`) opens its own lake source, reads ledgers from the live tail in order,
 * turns each into its hot-DB batch, and posts the batches; this side hands them to the committing
 * main thread in order. The synced commit of ledger N blocks the main thread; meanwhile the Worker
 * fetches and prepares N+1 on the other core, so a ledger costs the main thread about its commit
 * instead of fetch + walk + zstd + hashing + commit.
 *
 *   prepare Worker: lake.ledger(seq), polling → prepareLedgerBatch ──(transfer)──▶ outcomes, FIFO
 *   main thread:    next() ◀─────────────────────────────────────────────────────────────┘
 *                           ──handedOut──▶ (frees one of the Worker's prepare-ahead slots)
 *
 * Keeps:
 * - Order: each ledger from `fromLedgerSeq` on is fetched, prepared and handed out exactly once,
 *   in sequence order (the Worker answers in sequence order; `next()` asserts it).
 * - Bounded: at most PREPARE_AHEAD_LEDGERS_MAX ledgers are prepared but not yet handed out, so at
 *   most that many batches are in memory (the Worker waits for a `handedOut`; `next()` asserts).
 * - Failures surface in ledger order: a ledger that cannot be fetched or prepared fails `next()`
 *   once every ledger before it was handed out; a Worker that dies fails it at once.
 * - Nothing outlives `close()`: the Worker (and its lake reads and polls) is terminated.
 * @module
 */

import { dirname, join } from "node:path";
import { type SerializedError, workerErrorEventText } from "../serialized_error.ts";
import { assert, InvariantError, unreachable } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";
import { type LedgerSeq } from "../geometry/chunk.ts";
import { type PreparedLedgerBatch } from "../hot/prepared_ledger_batch.ts";
import { LakeCorruptObjectError } from "../lake/lake_errors.ts";
import { type LakeSourceOptions } from "../lake/open_lake_source.ts";
import { type FromIngestWorker, type IngestFailure, type ToIngestWorker } from "./_ingest_protocol.ts";
import { IngestionError } from "./ingestion_error.ts";

/**
 * Ledgers prepared ahead of the commit, at most. Two keep both cores busy (one preparing, one
 * committing); a few more absorb jitter in the lake's latency. A dense ledger is ~1.2 MB of
 * LedgerCloseMeta plus about as much prepared batch, so the bound is ~10 MB.
 */
export const PREPARE_AHEAD_LEDGERS_MAX = 4;

/**
 * The live tail as the Worker opens it: plain options (a `LedgerSource` object cannot be sent to a
 * Worker), and the source's `description` for failure messages on this thread.
 */
export interface IngestLake {
  options: LakeSourceOptions;
  description: string;
}

/** What the pipeline reads and where it starts. */
export interface IngestPipelineOptions {
  lake: IngestLake;
  /** How long the Worker waits before asking the lake again for a ledger it does not hold yet. */
  pollIntervalMs: number;
  fromLedgerSeq: LedgerSeq;
  /** Chunk-relative id of `fromLedgerSeq`'s first event: the open hot DB's committed event count. */
  firstEventId: number;
  /** The hot DB's column family ids (`HotChunkDb.columnFamilyIds()`), which the batches name. */
  columnFamilyIds: readonly number[];
  /** Aborting makes a pending or later `next()` reject with `signal.reason`. */
  signal: AbortSignal;
  /** The Worker script; the ingest Worker unless a test points at another. */
  workerSpecifier?: string | undefined;
}

/** A ledger's turn in the FIFO: its batch, or why it has none. */
type Outcome = { kind: "prepared"; batch: PreparedLedgerBatch } | { kind: "failed"; error: Error };

/**
 * Where the ingest Worker script is: beside this module from source; in the compiled binary
 * (`bun build --compile --root .`, the Makefile) at its repository path under the binary's root.
 */
export function ingestWorkerSpecifier(): string {
  if (import.meta.url.startsWith("file:///$bunfs/")) return join(dirname(Bun.main), "src/daemon/_ingest_worker.ts");
  return new URL("./_ingest_worker.ts", import.meta.url).href;
}

/** Starts the Worker (see the module doc); the caller must `close()` it. */
export function openIngestPipeline(options: IngestPipelineOptions): IngestPipeline {
  assert(options.pollIntervalMs > 0, `poll interval ${options.pollIntervalMs} ms is not positive`);
  return new IngestPipeline(options);
}

/** See the module doc; use `openIngestPipeline`. */
export class IngestPipeline {
  readonly #lakeDescription: string;
  readonly #worker: Worker;
  readonly #signal: AbortSignal;
  /** Outcomes the Worker posted, in ledger order, not yet handed out; at most the bound. */
  readonly #outcomes: Outcome[] = [];
  /** The ledger `next()` hands out next (order check, failure messages). */
  #nextLedgerSeq: number;
  /** Delivered at once: the Worker died, no more outcomes will come. */
  #workerFailure: Error | undefined;
  #change = Promise.withResolvers<void>();
  #closed = false;

  constructor(options: IngestPipelineOptions) {
    this.#lakeDescription = options.lake.description;
    this.#signal = options.signal;
    this.#nextLedgerSeq = options.fromLedgerSeq;
    this.#signal.addEventListener("abort", this.#notify, { once: true });
    this.#worker = this.#startWorker(options);
  }

  /**
   * The next ledger's prepared batch, in sequence order. Waits while the lake does not hold it yet.
   * Rejects with `signal.reason` once aborted, with `IngestionError` for a ledger that could not
   * be read or prepared, and with `InvariantError` for a bug in the Worker.
   */
  async next(): Promise<PreparedLedgerBatch> {
    assert(!this.#closed, "next() on a closed ingest pipeline");
    // One turn of the event loop first: the committer blocks this thread in each synced write, and
    // the Worker's replies arrive only in event-loop turns. Handing out a queued batch within
    // microtasks alone would leave them queued until the FIFO ran dry, and the Worker, held at
    // its bound, would no longer prepare while this thread commits.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Each pass hands out, throws, or waits for one state change (an outcome, a failure, an
    // abort); it does not end while the lake holds no next ledger: the tail has no end.
    for (;;) {
      if (this.#signal.aborted) throw this.#signal.reason;
      const outcome = this.#outcomes.shift();
      if (outcome !== undefined) {
        const handedOut: ToIngestWorker = { kind: "handedOut", ledgerSeq: this.#nextLedgerSeq as LedgerSeq };
        this.#worker.postMessage(handedOut); // a slot is free for the Worker
        this.#nextLedgerSeq++;
        if (outcome.kind === "failed") throw outcome.error;
        return outcome.batch;
      }
      if (this.#workerFailure !== undefined) throw this.#workerFailure;
      await this.#change.promise;
    }
  }

  /** Terminates the Worker, with its lake reads and polls (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal.removeEventListener("abort", this.#notify);
    this.#worker.terminate();
  }

  #startWorker(options: IngestPipelineOptions): Worker {
    const worker = new Worker(options.workerSpecifier ?? ingestWorkerSpecifier());
    worker.addEventListener("message", (event: MessageEvent<FromIngestWorker>) => this.#onWorkerMessage(event.data));
    // bun-ffi.md §7: a Worker that fails to load reports only through `error`.
    worker.addEventListener("error", (event: ErrorEvent) => this.#onWorkerGone(`failed (${workerErrorEventText(event)})`));
    worker.addEventListener("messageerror", () => {
      this.#onWorkerGone("sent a message that could not be deserialized");
    });
    worker.addEventListener("close", (event: CloseEvent) => this.#onWorkerGone(`exited (code ${event.code})`));
    const start: ToIngestWorker = {
      kind: "start",
      lake: options.lake.options,
      pollIntervalMs: options.pollIntervalMs,
      ledgerSeq: options.fromLedgerSeq,
      firstEventId: options.firstEventId,
      columnFamilyIds: options.columnFamilyIds,
      aheadLedgerCount: PREPARE_AHEAD_LEDGERS_MAX,
    };
    worker.postMessage(start);
    return worker;
  }

  #onWorkerMessage(message: FromIngestWorker): void {
    const ledgerSeq = this.#nextLedgerSeq + this.#outcomes.length;
    switch (message.kind) {
      case "prepared":
        assert(message.batch.ledgerSeq === ledgerSeq, `the ingest Worker answered ledger ${message.batch.ledgerSeq}, expected ${ledgerSeq}`);
        this.#outcomes.push({ kind: "prepared", batch: message.batch });
        break;
      case "failed":
        assert(message.ledgerSeq === ledgerSeq, `the ingest Worker failed ledger ${message.ledgerSeq}, expected ${ledgerSeq}`);
        this.#outcomes.push({ kind: "failed", error: this.#failureError(message.ledgerSeq, message.failure) });
        break;
      default:
        unreachable(message);
    }
    assert(this.#outcomes.length <= PREPARE_AHEAD_LEDGERS_MAX, "the ingest Worker ran past its prepare-ahead bound");
    this.#notify();
  }

  #onWorkerGone(how: string): void {
    if (this.#closed || this.#workerFailure !== undefined) return; // terminate() in close() ends it
    this.#workerFailure = new IngestionError(
      `Cannot ingest ledger ${this.#nextLedgerSeq}: the ingest prepare Worker ${how}; the daemon restarts ingestion from its last committed ledger`,
    );
    this.#notify();
  }

  /** The error `next()` throws for a ledger the Worker could not fetch or prepare. */
  #failureError(ledgerSeq: LedgerSeq, failure: IngestFailure): Error {
    const { error } = failure;
    if (error.category === "bug") {
      return new InvariantError(`ingest Worker: ${error.name} ${failure.stage === "fetch" ? "fetching" : "preparing"} ledger ${ledgerSeq}: ${error.message}\n${error.stack ?? "(no stack)"}`);
    }
    if (failure.stage === "prepare") {
      return new IngestionError(
        `Cannot ingest ledger ${ledgerSeq} from ${this.#lakeDescription}: ${error.message}; ` +
          "check the lake object holding it (the daemon retries from this ledger)",
      );
    }
    const cause = lakeErrorOf(failure);
    if (cause instanceof FatalError) return cause; // D11: a wrong lake stays fatal
    return new IngestionError(
      `Cannot ingest ledger ${ledgerSeq}: reading it from ${this.#lakeDescription} failed: ${error.message}; ` +
        "check the lake (the daemon retries from this ledger)",
      { cause },
    );
  }

  /** Resolves the pending wait at the next state change (every waiter re-checks its own condition). */
  readonly #notify = (): void => {
    this.#change.resolve();
    this.#change = Promise.withResolvers<void>();
  };
}

/**
 * The lake's failure rebuilt on this thread, where the supervisor classifies it: a corrupt object
 * keeps its class; others keep their name and their fatal or expected category (D11).
 */
function lakeErrorOf(failure: IngestFailure): FullhistoryError {
  if (failure.corruptObject !== undefined) return new LakeCorruptObjectError(failure.corruptObject.location, failure.corruptObject.detail);
  const error: SerializedError = failure.error;
  const rebuilt = error.category === "fatal" ? new FatalError(error.message) : new FullhistoryError(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

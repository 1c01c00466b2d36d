/**
 * The ingestion loop's prepare pipeline (reference §7.11, D12; `docs/ingestion.md`): reads ledgers
 * from the live tail in order, has the prepare Worker (`_ingest_worker.ts`) turn each into its
 * hot-DB batch, and hands the batches to the committing main thread in order. The synced commit of
 * ledger N blocks the main thread; meanwhile the Worker prepares N+1 on the other core and the
 * lake's I/O for N+2 proceeds off-thread, so a ledger costs about its commit instead of
 * fetch + walk + zstd + hashing + commit.
 *
 *   main thread                           prepare Worker
 *   fetcher:  lake.ledger(seq), polling ──▶ prepareLedgerBatch ──(transfer)──▶ outcomes, FIFO
 *   committer: next() ◀──────────────────────────────────────────────────────────────┘
 *
 * Keeps:
 * - Order: each ledger from `fromLedgerSeq` on is fetched, prepared and handed out exactly once,
 *   in sequence order (the Worker answers in the order it was asked, and checks the order).
 * - Bounded: at most PREPARE_AHEAD_LEDGERS_MAX ledgers are fetched but not yet handed out, so at
 *   most that many LedgerCloseMeta and batches are in memory.
 * - Failures surface in ledger order: a ledger that cannot be fetched or prepared fails `next()`
 *   once every ledger before it was handed out; a Worker that dies fails it at once.
 * - Nothing outlives `close()`: the fetcher has returned and the Worker is terminated.
 * @module
 */

import { dirname, join } from "node:path";
import { assert, InvariantError, unreachable } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";
import { LEDGER_SEQ_MAX, type LedgerSeq } from "../geometry/chunk.ts";
import { type PreparedLedgerBatch } from "../hot/prepared_ledger_batch.ts";
import { type LedgerSource } from "../lake/ledger_source.ts";
import { errorChainText } from "../log/logger.ts";
import { type FromIngestWorker, type PrepareFailure, type ToIngestWorker } from "./_ingest_protocol.ts";
import { IngestionError } from "./ingestion_error.ts";

/**
 * Ledgers fetched ahead of the commit, at most. Two keep both cores busy (one preparing, one
 * committing); a few more absorb jitter in the lake's latency. A dense ledger is ~1.2 MB of
 * LedgerCloseMeta plus about as much prepared batch, so the bound is ~10 MB.
 */
export const PREPARE_AHEAD_LEDGERS_MAX = 4;

/** What the pipeline reads and where it starts. */
export interface IngestPipelineOptions {
  lake: LedgerSource;
  /** How long to wait before asking the lake again for a ledger it does not hold yet. */
  pollIntervalMs: number;
  fromLedgerSeq: LedgerSeq;
  /** Chunk-relative id of `fromLedgerSeq`'s first event: the open hot DB's committed event count. */
  firstEventId: number;
  /** The hot DB's column family ids (`HotChunkDb.columnFamilyIds()`), which the batches name. */
  columnFamilyIds: readonly number[];
  /** Aborting makes a pending or later `next()` reject with `signal.reason`. */
  signal: AbortSignal;
  /** The Worker script; the ingest Worker unless a test points at another. */
  workerSpecifier?: string;
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

/** Starts the Worker and the fetcher (see the module doc); the caller must `close()` it. */
export function openIngestPipeline(options: IngestPipelineOptions): IngestPipeline {
  assert(options.pollIntervalMs > 0, `poll interval ${options.pollIntervalMs} ms is not positive`);
  return new IngestPipeline(options);
}

/** See the module doc; use `openIngestPipeline`. */
export class IngestPipeline {
  readonly #lake: LedgerSource;
  readonly #pollIntervalMs: number;
  readonly #worker: Worker;
  /** Aborted by the caller's signal or by `close()`: stops the fetcher and every wait. */
  readonly #stop = new AbortController();
  readonly #callerSignal: AbortSignal;
  /** Outcomes of posted ledgers, in ledger order, not yet handed out. */
  readonly #outcomes: Outcome[] = [];
  /** Ledgers posted to the Worker, and handed out by `next()`; posted − handedOut ≤ the bound. */
  #postedCount = 0;
  #handedOutCount = 0;
  /** The ledger `next()` hands out next (for failure messages). */
  #nextLedgerSeq: number;
  /** Delivered after every posted ledger was handed out: the fetcher's failure. */
  #fetchFailure: { error: unknown } | undefined;
  /** Delivered at once: the Worker died, no more outcomes will come. */
  #workerFailure: Error | undefined;
  #change = Promise.withResolvers<void>();
  readonly #fetching: Promise<void>;
  #closed = false;

  constructor(options: IngestPipelineOptions) {
    this.#lake = options.lake;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#callerSignal = options.signal;
    this.#nextLedgerSeq = options.fromLedgerSeq;
    const onCallerAbort = (): void => this.#stop.abort(options.signal.reason);
    if (options.signal.aborted) onCallerAbort();
    else options.signal.addEventListener("abort", onCallerAbort, { once: true });
    this.#stop.signal.addEventListener("abort", () => {
      options.signal.removeEventListener("abort", onCallerAbort);
      this.#notify();
    }, { once: true });
    this.#worker = this.#startWorker(options);
    this.#fetching = this.#fetchFrom(options.fromLedgerSeq);
  }

  /**
   * The next ledger's prepared batch, in sequence order. Waits while the lake does not hold it yet.
   * Rejects with `signal.reason` once aborted, with `IngestionError` for a ledger that could not
   * be read or prepared, and with `InvariantError` for a bug in the Worker.
   */
  async next(): Promise<PreparedLedgerBatch> {
    assert(!this.#closed, "next() on a closed ingest pipeline");
    // One turn of the event loop first: the committer blocks this thread in each synced write,
    // and the fetcher's lake reads and the Worker's replies progress only in event-loop turns.
    // Handing out a queued batch within microtasks alone would starve them until the queue ran
    // dry, and the prepare would no longer overlap the commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Each pass hands out, throws, or waits for one state change (an outcome, a failure, a freed
    // slot, an abort); it does not end while the lake holds no next ledger: the tail has no end.
    for (;;) {
      if (this.#callerSignal.aborted) throw this.#callerSignal.reason;
      const outcome = this.#outcomes.shift();
      if (outcome !== undefined) {
        this.#handedOutCount++;
        this.#nextLedgerSeq++;
        this.#notify(); // a slot is free for the fetcher
        if (outcome.kind === "failed") throw outcome.error;
        return outcome.batch;
      }
      if (this.#workerFailure !== undefined) throw this.#workerFailure;
      if (this.#fetchFailure !== undefined && this.#postedCount === this.#handedOutCount) throw this.#fetchFailure.error;
      await this.#changed();
    }
  }

  /** Stops the fetcher, terminates the Worker and waits for the fetcher to return (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort(new InvariantError("ingest pipeline closed"));
    this.#worker.terminate();
    await this.#fetching;
  }

  #startWorker(options: IngestPipelineOptions): Worker {
    const worker = new Worker(options.workerSpecifier ?? ingestWorkerSpecifier());
    worker.addEventListener("message", (event: MessageEvent<FromIngestWorker>) => this.#onWorkerMessage(event.data));
    // bun-ffi.md §7: a Worker that fails to load reports only through `error`.
    worker.addEventListener("error", (event: ErrorEvent) => this.#onWorkerGone(`failed (${event.message})`));
    worker.addEventListener("messageerror", () => {
      this.#onWorkerGone("sent a message that could not be deserialized");
    });
    worker.addEventListener("close", (event: CloseEvent) => this.#onWorkerGone(`exited (code ${event.code})`));
    const start: ToIngestWorker = {
      kind: "start",
      ledgerSeq: options.fromLedgerSeq,
      firstEventId: options.firstEventId,
      columnFamilyIds: options.columnFamilyIds,
    };
    worker.postMessage(start);
    return worker;
  }

  #onWorkerMessage(message: FromIngestWorker): void {
    switch (message.kind) {
      case "prepared":
        this.#outcomes.push({ kind: "prepared", batch: message.batch });
        break;
      case "failed":
        this.#outcomes.push({ kind: "failed", error: this.#prepareError(message.ledgerSeq, message.failure) });
        break;
      default:
        unreachable(message);
    }
    assert(this.#outcomes.length <= PREPARE_AHEAD_LEDGERS_MAX, "the ingest Worker answered more ledgers than were posted");
    this.#notify();
  }

  #onWorkerGone(how: string): void {
    if (this.#closed || this.#workerFailure !== undefined) return; // terminate() in close() ends it
    this.#workerFailure = new IngestionError(
      `Cannot ingest ledger ${this.#nextLedgerSeq}: the ingest prepare Worker ${how}; the daemon restarts ingestion from its last committed ledger`,
    );
    this.#notify();
  }

  #prepareError(ledgerSeq: LedgerSeq, failure: PrepareFailure): Error {
    if (!failure.expected) {
      return new InvariantError(`ingest Worker: ${failure.name} preparing ledger ${ledgerSeq}: ${failure.message}\n${failure.stack ?? "(no stack)"}`);
    }
    return new IngestionError(
      `Cannot ingest ledger ${ledgerSeq} from ${this.#lake.description}: ${failure.message}; ` +
        "check the lake object holding it (the daemon retries from this ledger)",
    );
  }

  /** The fetcher: one ledger after the other, polling for each, posting it to the Worker. Never rejects. */
  async #fetchFrom(fromLedgerSeq: LedgerSeq): Promise<void> {
    const stop = this.#stop.signal;
    let ledgerSeq: number = fromLedgerSeq;
    try {
      // Bounded by the uint32 ledger domain; in practice it ends when the pipeline stops or fails.
      for (; ledgerSeq <= LEDGER_SEQ_MAX; ledgerSeq++) {
        while (!stop.aborted && this.#postedCount - this.#handedOutCount >= PREPARE_AHEAD_LEDGERS_MAX) await this.#changed();
        const lcmBytes = await this.#fetchPolling(ledgerSeq as LedgerSeq);
        if (lcmBytes === undefined) return; // stopped
        // A copy that owns its buffer: the lake may hand out a view into a whole decoded object,
        // which structured clone would copy entire; the copy is transferred, not copied again.
        // (`new Uint8Array(view)` copies; a Node Buffer's `.slice()` would be another view, and
        // transferring it would detach the whole object's buffer under the next ledger.)
        const owned = new Uint8Array(lcmBytes);
        const prepare: ToIngestWorker = { kind: "prepare", ledgerSeq: ledgerSeq as LedgerSeq, lcmBytes: owned };
        this.#worker.postMessage(prepare, [owned.buffer]);
        this.#postedCount++;
      }
    } catch (err) {
      if (stop.aborted) return; // the lake call was cut short by the stop: not a failure
      this.#fetchFailure = { error: fetchError(err, { ledgerSeq, lake: this.#lake }) };
      this.#notify();
    }
  }

  /** Ledger `ledgerSeq` from the lake, asking again every poll interval; undefined once stopped. */
  async #fetchPolling(ledgerSeq: LedgerSeq): Promise<Uint8Array | undefined> {
    const stop = this.#stop.signal;
    // Unbounded in time on purpose: the tail waits as long as the network does not close a ledger.
    while (!stop.aborted) {
      const lcmBytes = await this.#lake.ledger(ledgerSeq, { signal: stop });
      if (lcmBytes !== undefined) return lcmBytes;
      await this.#pollDelay();
    }
    return undefined;
  }

  /** Waits one poll interval, or less when the pipeline stops. */
  async #pollDelay(): Promise<void> {
    let due = false;
    const timer = setTimeout(() => {
      due = true;
      this.#notify();
    }, this.#pollIntervalMs);
    try {
      // Each pass waits for one state change; the timer or the stop ends it.
      while (!due && !this.#stop.signal.aborted) await this.#changed();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves at the next state change (every waiter re-checks its own condition). */
  #changed(): Promise<void> {
    return this.#change.promise;
  }

  #notify(): void {
    this.#change.resolve();
    this.#change = Promise.withResolvers<void>();
  }
}

/** The lake's failure for `ledgerSeq`, named; a fatal one (D11) stays fatal and a bug stays a bug. */
function fetchError(err: unknown, context: { ledgerSeq: number; lake: LedgerSource }): unknown {
  if (err instanceof FatalError || !(err instanceof FullhistoryError)) return err;
  return new IngestionError(
    `Cannot ingest ledger ${context.ledgerSeq}: reading it from ${context.lake.description} failed: ${errorChainText(err)}; ` +
      "check the lake (the daemon retries from this ledger)",
    { cause: err },
  );
}

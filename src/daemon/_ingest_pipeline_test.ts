import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corruptLakeObject, ingestSourceOf, openTestLake, testLedger, WatchedLake, writeTestLake } from "../../test/support/ingestion_fixture.ts";
import { InvariantError } from "../assert.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, type LedgerSeq } from "../geometry/chunk.ts";
import { prepareLedgerBatch } from "../hot/prepared_ledger_batch.ts";
import { LakeCorruptObjectError } from "../lake/lake_errors.ts";
import { type IngestLake, type IngestPipeline, openIngestPipeline, PREPARE_AHEAD_LEDGERS_MAX } from "./_ingest_pipeline.ts";
import { IngestionError } from "./ingestion_error.ts";

const FIRST = chunkFirstLedger(0 as ChunkId);
/** Ids of a hot DB's column families as RocksDB assigns them (the commit checks them; here only the bytes matter). */
const COLUMN_FAMILY_IDS = [1, 2, 3, 4, 5];

let root: string;
let lakeDir: string;
let pipeline: IngestPipeline | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-ingest-pipeline-"));
  lakeDir = join(root, "lake");
});
afterEach(() => {
  pipeline?.close();
  pipeline = undefined;
  rmSync(root, { recursive: true, force: true });
});

function open(lake: IngestLake | WatchedLake, options: { fromLedgerSeq: number; firstEventId?: number; signal?: AbortSignal; workerSpecifier?: string }): IngestPipeline {
  const source = ingestSourceOf(lake);
  pipeline = openIngestPipeline({
    lake: source.lake,
    pollIntervalMs: 5,
    fromLedgerSeq: options.fromLedgerSeq as LedgerSeq,
    firstEventId: options.firstEventId ?? 0,
    columnFamilyIds: COLUMN_FAMILY_IDS,
    signal: options.signal ?? new AbortController().signal,
    workerSpecifier: options.workerSpecifier ?? source.workerSpecifier,
  });
  return pipeline;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (err: unknown) => err);
}

describe("openIngestPipeline()", () => {
  test("next() hands out every ledger's batch in order, as prepareLedgerBatch makes it, event ids restarting at a chunk's first ledger", async () => {
    const first = chunkLastLedger(0 as ChunkId) - 4;
    const last = chunkFirstLedger(1 as ChunkId) + 5;
    await writeTestLake(lakeDir, { first, last, profile: "mixed" });
    const ingest = open(await openTestLake(lakeDir), { fromLedgerSeq: first, firstEventId: 1000 });

    let firstEventId = 1000;
    let chunk1EventCount = 0;
    for (let ledgerSeq = first; ledgerSeq <= last; ledgerSeq++) {
      if (ledgerSeq === chunkFirstLedger(1 as ChunkId)) firstEventId = 0;
      const batch = await ingest.next();
      const expected = prepareLedgerBatch(ledgerSeq as LedgerSeq, testLedger(ledgerSeq, "mixed"), { firstEventId, columnFamilyIds: COLUMN_FAMILY_IDS });
      expect({ ...batch, rep: Buffer.from(batch.rep).toString("hex") }).toEqual({ ...expected, rep: Buffer.from(expected.rep).toString("hex") });
      firstEventId += batch.eventCount;
      if (ledgerSeq >= chunkFirstLedger(1 as ChunkId)) chunk1EventCount += batch.eventCount;
    }
    expect(chunk1EventCount).toBeGreaterThan(0); // the reset at the boundary was exercised
  }, 30_000);

  test("the Worker never fetches more than PREPARE_AHEAD_LEDGERS_MAX ledgers ahead of next()", async () => {
    const count = 3 * PREPARE_AHEAD_LEDGERS_MAX;
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + count - 1, profile: "sparse" });
    const lake = new WatchedLake(await openTestLake(lakeDir));
    const ingest = open(lake, { fromLedgerSeq: FIRST });

    for (let handedOut = 1; handedOut <= count; handedOut++) {
      await ingest.next();
      // Posted − handed out ≤ the bound, plus the one fetch that may be waiting for its slot's ledger.
      expect(new Set(lake.asked).size).toBeLessThanOrEqual(handedOut + PREPARE_AHEAD_LEDGERS_MAX + 1);
    }
  }, 30_000);

  test("next() waits while the lake does not hold the ledger yet, and hands it out once it appears", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 1, profile: "sparse" });
    const lake = new WatchedLake(await openTestLake(lakeDir));
    const missed = lake.missing(FIRST + 2);
    const ingest = open(lake, { fromLedgerSeq: FIRST });
    expect((await ingest.next()).ledgerSeq).toBe(FIRST);
    expect((await ingest.next()).ledgerSeq).toBe((FIRST + 1) as LedgerSeq);
    const pending = ingest.next();
    await missed;
    await writeTestLake(lakeDir, { first: FIRST + 2, last: FIRST + 2, profile: "sparse" });

    expect((await pending).ledgerSeq).toBe((FIRST + 2) as LedgerSeq);
  }, 30_000);

  test("next() fails with IngestionError naming a ledger that does not decode, after handing out the ledgers before it", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 5, profile: "mixed" });
    const truncated = testLedger(FIRST + 3, "mixed").subarray(0, 600);
    const ingest = open(new WatchedLake(await openTestLake(lakeDir), { replaced: new Map([[FIRST + 3, truncated]]) }), { fromLedgerSeq: FIRST });

    const handedOut: number[] = [];
    for (let index = 0; index < 3; index++) handedOut.push((await ingest.next()).ledgerSeq);
    const error = await failureOf(ingest.next());
    expect(handedOut).toEqual([FIRST, FIRST + 1, FIRST + 2]);
    expect(error).toBeInstanceOf(IngestionError);
    expect((error as Error).message).toStartWith(`Cannot ingest ledger ${FIRST + 3} from Filesystem lake`);
  }, 30_000);

  test("next() fails with IngestionError for a ledger the lake cannot deliver, after handing out the ledgers before it", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 5, profile: "sparse" });
    corruptLakeObject(lakeDir, FIRST + 2);
    const ingest = open(await openTestLake(lakeDir), { fromLedgerSeq: FIRST });

    expect((await ingest.next()).ledgerSeq).toBe(FIRST);
    expect((await ingest.next()).ledgerSeq).toBe((FIRST + 1) as LedgerSeq);
    const error = await failureOf(ingest.next());
    expect(error).toBeInstanceOf(IngestionError);
    expect((error as Error).message).toStartWith(`Cannot ingest ledger ${FIRST + 2}: reading it from Filesystem lake`);
    expect((error as Error).cause).toBeInstanceOf(LakeCorruptObjectError);
  }, 30_000);

  test("a pending next() rejects with the abort reason, and close() returns with nothing left running", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST, profile: "sparse" });
    const stop = new AbortController();
    const ingest = open(await openTestLake(lakeDir), { fromLedgerSeq: FIRST, signal: stop.signal });
    expect((await ingest.next()).ledgerSeq).toBe(FIRST);
    const pending = ingest.next();
    const reason = new Error("test: stop");
    stop.abort(reason);

    expect(await failureOf(pending)).toBe(reason);
    ingest.close();
    expect(await failureOf(ingest.next())).toBeInstanceOf(InvariantError);
  }, 30_000);

  test("next() fails with IngestionError when the prepare Worker cannot load", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 1, profile: "sparse" });
    const ingest = open(await openTestLake(lakeDir), { fromLedgerSeq: FIRST, workerSpecifier: join(root, "no_such_worker.ts") });

    const error = await failureOf(ingest.next());
    expect(error).toBeInstanceOf(IngestionError);
    expect((error as Error).message).toStartWith(`Cannot ingest ledger ${FIRST}: the ingest prepare Worker failed`);
  }, 30_000);
});

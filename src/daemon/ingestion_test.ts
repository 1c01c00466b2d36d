import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import {
  buildPrefilledHotDb,
  corruptLakeObject,
  ingestionHarness,
  ingestThrough,
  installHotDb,
  openTestLake,
  testLedger,
  WatchedLake,
  writeTestLake,
} from "../../test/support/ingestion_fixture.ts";
import { hotState } from "../catalog/hot_reads.ts";
import { type ChunkId, chunkFirstLedger, chunkLastLedger, type LedgerSeq } from "../geometry/chunk.ts";
import { dumpHotDb, expectedEvents, type TestLedger } from "../hot/_hot_test_support.ts";
import { type HotChunkDb, openHotChunkDb, openHotChunkDbReadOnly } from "../hot/hot_chunk_db.ts";
import { HotDbOpenError } from "../hot/hot_errors.ts";
import { type SynthProfileName } from "../synth/synth_profile.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { runIngestion } from "./ingestion.ts";
import { IngestionError } from "./ingestion_error.ts";

const chunk0 = 0 as ChunkId;
const chunk1 = 1 as ChunkId;
const FIRST = chunkFirstLedger(chunk0);
const BOUNDARY = chunkLastLedger(chunk0);
/** The pre-filled chunk 0 ends 6 ledgers before its last one. */
const PREFILLED_THROUGH = BOUNDARY - 6;

let templateRoot: string;
let templateDir: string;
beforeAll(() => {
  templateRoot = mkdtempSync(join(tmpdir(), "fullhistory-ingest-template-"));
  templateDir = join(templateRoot, "chunk0");
  buildPrefilledHotDb(templateDir, { chunkId: chunk0, throughLedgerSeq: PREFILLED_THROUGH });
}, 120_000);
afterAll(() => {
  rmSync(templateRoot, { recursive: true, force: true });
});

let fixture: CatalogFixture;
let lakeDir: string;
beforeEach(() => {
  fixture = openCatalogFixture();
  lakeDir = join(fixture.dataDir, "lake");
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

function hotDir(chunkId: ChunkId): string {
  return fixture.layout.hotDbDir(chunkId);
}

function withHotDb<T>(chunkId: ChunkId, read: (db: HotChunkDb) => T): T {
  const db = openHotChunkDbReadOnly(hotDir(chunkId), { chunkId });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** True when chunk `chunkId`'s hot DB can be opened read-write, i.e. nobody in this process holds it. */
function isClosed(chunkId: ChunkId): boolean {
  try {
    openHotChunkDb(hotDir(chunkId), { chunkId, create: false }).close();
    return true;
  } catch (err) {
    if (!(err instanceof HotDbOpenError)) throw err;
    return false;
  }
}

function testLedgers(range: { first: number; last: number; profile: SynthProfileName }): TestLedger[] {
  const ledgers: TestLedger[] = [];
  for (let seq = range.first; seq <= range.last; seq++) ledgers.push({ seq: seq as LedgerSeq, lcm: testLedger(seq, range.profile), summary: undefined });
  return ledgers;
}

describe("runIngestion()", () => {
  test("runIngestion() commits every lake ledger into every column family and gauges the last one", async () => {
    const last = FIRST + 39;
    await writeTestLake(lakeDir, { first: FIRST, last, profile: "mixed" });
    const harness = ingestionHarness(fixture.catalog, await openTestLake(lakeDir));
    await ingestThrough(harness, { resumeChunkId: chunk0, throughLedgerSeq: last });

    expect(harness.lastCommitted()).toBe(last);
    expect(harness.wakes).toEqual([]);
    const ledgers = testLedgers({ first: FIRST, last, profile: "mixed" });
    let innerHashCount = 0;
    withHotDb(chunk0, (db) => {
      expect(db.maxCommittedSeq()).toBe(last as LedgerSeq);
      for (const ledger of ledgers) {
        expect(db.ledger(ledger.seq)).toEqual(ledger.lcm);
        for (const tx of walkLedger(ledger.lcm).transactions) {
          expect(db.txLedgerSeq(ledger.lcm.subarray(tx.hashOffset, tx.hashOffset + 32))).toBe(ledger.seq);
          if (tx.innerHashOffset === undefined) continue;
          innerHashCount++;
          expect(db.txLedgerSeq(ledger.lcm.subarray(tx.innerHashOffset, tx.innerHashOffset + 32))).toBe(ledger.seq);
        }
      }
      const events = db.eventsInLedgers(FIRST, last as LedgerSeq);
      const expected = expectedEvents(ledgers);
      expect(expected.length).toBeGreaterThan(0);
      expect(events.map((event) => event.eventId)).toEqual(expected.map((event) => event.eventId));
      expect(events.map((event) => Buffer.from(event.payloadBytes).toString("hex"))).toEqual(
        expected.map((event) => Buffer.from(event.payloadBytes).toString("hex")),
      );
    });
    expect(innerHashCount).toBeGreaterThan(0); // the mixed profile has fee bumps: D8's second entry was checked
  }, 30_000);

  test("runIngestion() at a chunk's last ledger closes it, opens the next chunk's hot DB, then wakes the lifecycle, once", async () => {
    installHotDb(fixture.catalog, chunk0, templateDir);
    const last = chunkFirstLedger(chunk1) + 4;
    await writeTestLake(lakeDir, { first: PREFILLED_THROUGH + 1, last, profile: "mixed" });
    const onWake = () => ({ nextChunkKey: hotState(fixture.catalog, chunk1), chunk0Closed: isClosed(chunk0) });
    const harness = ingestionHarness(fixture.catalog, await openTestLake(lakeDir), { onWake });
    await ingestThrough(harness, { resumeChunkId: chunk0, throughLedgerSeq: last });

    // The fence (reference §5.7): at the wake, chunk 0 was closed and chunk 1's key already ready.
    expect(harness.wakes).toEqual([{ nextChunkKey: "ready", chunk0Closed: true }]);
    expect(harness.chunkBoundaryCount()).toBe(1);
    const boundaryLines = harness.logLines.filter((line) => line.msg === "ingestion chunk boundary, handed off to lifecycle");
    expect(boundaryLines).toHaveLength(1);
    expect(boundaryLines[0]).toMatchObject({ level: "info", closed_chunk: "00000000", next_chunk: "00000001", last_ledger: BOUNDARY });
    expect(withHotDb(chunk0, (db) => db.maxCommittedSeq())).toBe(BOUNDARY);
    const chunk1Ledgers = testLedgers({ first: chunkFirstLedger(chunk1), last, profile: "mixed" });
    withHotDb(chunk1, (db) => {
      expect(db.maxCommittedSeq()).toBe(last as LedgerSeq);
      for (const ledger of chunk1Ledgers) expect(db.ledger(ledger.seq)).toEqual(ledger.lcm);
      // Event ids restart at 0 in the new chunk.
      const events = db.eventsInLedgers(chunkFirstLedger(chunk1), last as LedgerSeq);
      expect(events.map((event) => event.eventId)).toEqual(expectedEvents(chunk1Ledgers).map((event) => event.eventId));
    });
    expect(harness.lastCommitted()).toBe(last);
  }, 30_000);

  test("runIngestion() finishes the handoff first when the resume chunk is already full (a kill after its last commit)", async () => {
    installHotDb(fixture.catalog, chunk0, templateDir);
    const db = openHotChunkDb(hotDir(chunk0), { chunkId: chunk0, create: false });
    for (let seq = PREFILLED_THROUGH + 1; seq <= BOUNDARY; seq++) db.ingestLedger(seq as LedgerSeq, testLedger(seq, "sparse"));
    db.close();
    const last = chunkFirstLedger(chunk1) + 2;
    await writeTestLake(lakeDir, { first: chunkFirstLedger(chunk1), last, profile: "sparse" });
    const lake = new WatchedLake(await openTestLake(lakeDir));
    const harness = ingestionHarness(fixture.catalog, lake, { onWake: () => hotState(fixture.catalog, chunk1) });
    await ingestThrough(harness, { resumeChunkId: chunk0, throughLedgerSeq: last });

    expect(harness.wakes).toEqual(["ready"]);
    expect(lake.asked[0]).toBe(chunkFirstLedger(chunk1));
    expect(withHotDb(chunk1, (hot) => hot.maxCommittedSeq())).toBe(last as LedgerSeq);
  }, 30_000);

  test("runIngestion() polls a ledger the lake does not hold yet and commits it once it appears", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 4, profile: "sparse" });
    const lake = new WatchedLake(await openTestLake(lakeDir));
    const missed = lake.missing(FIRST + 5);
    const harness = ingestionHarness(fixture.catalog, lake);
    const stop = new AbortController();
    const run = runIngestion(harness.deps, { resumeChunkId: chunk0, signal: stop.signal });
    await missed;
    await writeTestLake(lakeDir, { first: FIRST + 5, last: FIRST + 7, profile: "sparse" });
    await harness.committed(FIRST + 7);
    stop.abort(new Error("test: stop"));
    await run;

    expect(lake.asked.filter((seq) => seq === FIRST + 5).length).toBeGreaterThan(1);
    expect(withHotDb(chunk0, (db) => db.ledger((FIRST + 5) as LedgerSeq))).toEqual(testLedger(FIRST + 5, "sparse"));
  }, 30_000);

  test("runIngestion() resolves when aborted while it waits for the lake, with every commit whole and the DB closed", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 3, profile: "sparse" });
    const harness = ingestionHarness(fixture.catalog, await openTestLake(lakeDir));
    await ingestThrough(harness, { resumeChunkId: chunk0, throughLedgerSeq: FIRST + 3 });

    expect(isClosed(chunk0)).toBe(true);
    expect(withHotDb(chunk0, (db) => db.maxCommittedSeq())).toBe((FIRST + 3) as LedgerSeq);
    expect(harness.logLines.at(-1)).toMatchObject({ msg: "ingestion stopped", last_committed: FIRST + 3 });
  }, 30_000);

  test("runIngestion() with an already aborted signal opens the resume chunk, commits nothing and resolves", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 3, profile: "sparse" });
    const harness = ingestionHarness(fixture.catalog, await openTestLake(lakeDir));
    await runIngestion(harness.deps, { resumeChunkId: chunk0, signal: AbortSignal.abort(new Error("test: stopped")) });

    expect(hotState(fixture.catalog, chunk0)).toBe("ready");
    expect(withHotDb(chunk0, (db) => db.maxCommittedSeq())).toBeUndefined();
    expect(harness.lastCommitted()).toBeUndefined();
  }, 30_000);

  test("runIngestion() fails naming the ledger the lake cannot deliver, after committing the ones before it", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 9, profile: "sparse" });
    corruptLakeObject(lakeDir, FIRST + 6);
    const harness = ingestionHarness(fixture.catalog, await openTestLake(lakeDir));
    const run = runIngestion(harness.deps, { resumeChunkId: chunk0, signal: new AbortController().signal });

    const error = await run.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(IngestionError);
    expect((error as IngestionError).message).toStartWith(`Cannot ingest ledger ${FIRST + 6}: reading it from Filesystem lake`);
    expect((error as IngestionError).message).toContain("zstd");
    expect(isClosed(chunk0)).toBe(true);
    expect(withHotDb(chunk0, (db) => db.maxCommittedSeq())).toBe((FIRST + 5) as LedgerSeq);
  }, 30_000);

  test("runIngestion() fails naming a ledger that does not decode mid-stream; the ledgers before it are committed", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 9, profile: "mixed" });
    const truncated = testLedger(FIRST + 6, "mixed").subarray(0, 600);
    const lake = new WatchedLake(await openTestLake(lakeDir), { replaced: new Map([[FIRST + 6, truncated]]) });
    const harness = ingestionHarness(fixture.catalog, lake);
    const run = runIngestion(harness.deps, { resumeChunkId: chunk0, signal: new AbortController().signal });

    const error = await run.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(IngestionError);
    expect((error as IngestionError).message).toStartWith(`Cannot ingest ledger ${FIRST + 6} from Filesystem lake`);
    expect(isClosed(chunk0)).toBe(true);
    expect(withHotDb(chunk0, (db) => db.maxCommittedSeq())).toBe((FIRST + 5) as LedgerSeq);
  }, 30_000);

  test("runIngestion() after a restart resumes right after the watermark, and re-delivered ledgers change nothing", async () => {
    await writeTestLake(lakeDir, { first: FIRST, last: FIRST + 9, profile: "mixed" });
    await ingestThrough(ingestionHarness(fixture.catalog, await openTestLake(lakeDir)), { resumeChunkId: chunk0, throughLedgerSeq: FIRST + 9 });
    await writeTestLake(lakeDir, { first: FIRST + 10, last: FIRST + 14, profile: "mixed" });
    const lake = new WatchedLake(await openTestLake(lakeDir));
    await ingestThrough(ingestionHarness(fixture.catalog, lake), { resumeChunkId: chunk0, throughLedgerSeq: FIRST + 14 });

    expect(lake.asked[0]).toBe(FIRST + 10);
    const before = dumpHotDb(hotDir(chunk0));
    const db = openHotChunkDb(hotDir(chunk0), { chunkId: chunk0, create: false });
    try {
      for (const ledger of testLedgers({ first: FIRST, last: FIRST + 14, profile: "mixed" })) {
        expect(db.ingestLedger(ledger.seq, ledger.lcm)).toBe("alreadyCommitted");
      }
    } finally {
      db.close();
    }
    expect(dumpHotDb(hotDir(chunk0))).toEqual(before);
  }, 30_000);
});

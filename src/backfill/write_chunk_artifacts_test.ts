import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, LEDGERS_PER_CHUNK } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS } from "../geometry/keys.ts";
import { Layout } from "../geometry/layout.ts";
import { openEventsSegment } from "../formats/events_segment_reader.ts";
import { openLedgerPack } from "../formats/ledger_pack_reader.ts";
import { FileIoError } from "../formats/file_io_error.ts";
import { openTxhashRun } from "../formats/txhash_run.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { fixtureLayout } from "../../test/support/catalog_fixture.ts";
import { chunkLedgersOf, writeBackfillLake } from "../../test/support/backfill_fixture.ts";
import { ChunkSourceError } from "./backfill_errors.ts";
import { type ChunkArtifactPaths } from "./_worker_protocol.ts";
import { writeChunkArtifacts } from "./write_chunk_artifacts.ts";

// One sparse lake for the file: chunk 0 and the first ledger of chunk 1 (for the overrun case).
const CHUNK = 0 as ChunkId;
let tempDir: string;
let ledgers: Uint8Array[];
let nextChunkFirstLedger: Uint8Array;

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-write-chunk-"));
  const lakeDir = join(tempDir, "lake");
  const lake = await writeBackfillLake(lakeDir, { chunkCount: 2, profile: "sparse" });
  ledgers = await chunkLedgersOf(lake, CHUNK);
  nextChunkFirstLedger = (await chunkLedgersOf(lake, 1 as ChunkId))[0]!;
}, 60_000);
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

let layoutCount = 0;
/** A new data dir with the chunk's bucket dirs created (processChunk's step 4). */
function freshLayout(): Layout {
  layoutCount += 1;
  const layout = fixtureLayout(join(tempDir, `data-${layoutCount}`), { chunksPerWindow: 1000 });
  for (const kind of ARTIFACT_KINDS) mkdirSync(layout.bucketDir(CHUNK, kind), { recursive: true });
  return layout;
}

function pathsOf(layout: Layout): ChunkArtifactPaths {
  return { ledgerPack: layout.ledgerPackPath(CHUNK), events: layout.eventsPaths(CHUNK), txhashRun: layout.txhashRunPath(CHUNK) };
}

function allFiles(layout: Layout): string[] {
  return ARTIFACT_KINDS.flatMap((kind) => layout.artifactPaths(CHUNK, kind));
}

async function writeAll(layout: Layout, source: Iterable<Uint8Array>): Promise<ReturnType<typeof writeChunkArtifacts>> {
  return writeChunkArtifacts(source, { chunkId: CHUNK, kinds: [...ARTIFACT_KINDS], paths: pathsOf(layout), sourceDescription: "the test source" });
}

describe("writeChunkArtifacts()", () => {
  let firstWritten: Layout | undefined;

  test("writeChunkArtifacts() writes a whole-chunk pack, an events segment and a .bin with outer and inner hashes (D8)", async () => {
    const layout = freshLayout();
    firstWritten = layout;
    const written = await writeAll(layout, ledgers);
    let hashCount = 0;
    let eventCount = 0;
    for (const lcm of ledgers) {
      const view = walkLedger(lcm);
      for (const tx of view.transactions) hashCount += tx.innerHashOffset === undefined ? 1 : 2;
      eventCount += view.events.length;
    }
    expect(written).toEqual({ ledgerCount: LEDGERS_PER_CHUNK, txhashEntryCount: hashCount, eventCount });
    expect(hashCount).toBeGreaterThan(ledgers.filter((lcm) => walkLedger(lcm).transactions.length > 0).length);
    const pack = openLedgerPack(layout.ledgerPackPath(CHUNK), { firstLedgerSeq: chunkFirstLedger(CHUNK), ledgerCount: LEDGERS_PER_CHUNK });
    expect(pack.ledger(chunkFirstLedger(CHUNK))).toEqual(ledgers[0]!);
    pack.close();
    const segment = openEventsSegment(layout.eventsPaths(CHUNK), { firstLedgerSeq: chunkFirstLedger(CHUNK), ledgerCount: LEDGERS_PER_CHUNK });
    expect(segment.eventCount).toBe(eventCount);
    segment.close();
    const run = openTxhashRun(layout.txhashRunPath(CHUNK));
    expect(run.entryCount).toBe(hashCount);
    run.close();
  }, 30_000);

  test("writeChunkArtifacts() gives byte-identical files when the same ledgers are written again", async () => {
    const first = firstWritten ?? freshLayout();
    if (firstWritten === undefined) await writeAll(first, ledgers);
    const second = freshLayout();
    await writeAll(second, ledgers);
    const firstFiles = allFiles(first).map((path) => readFileSync(path));
    const secondFiles = allFiles(second).map((path) => readFileSync(path));
    expect(secondFiles).toEqual(firstFiles);
  }, 30_000);

  test("writeChunkArtifacts() writes only the requested kinds", async () => {
    const layout = freshLayout();
    const written = await writeChunkArtifacts(ledgers, {
      chunkId: CHUNK,
      kinds: ["ledgers"],
      paths: { ledgerPack: layout.ledgerPackPath(CHUNK) },
      sourceDescription: "the test source",
    });
    expect(written).toEqual({ ledgerCount: LEDGERS_PER_CHUNK, txhashEntryCount: 0, eventCount: 0 });
    expect(allFiles(layout).map((path) => existsSync(path))).toEqual([true, false, false, false, false]);
  }, 30_000);

  const badStreams: [string, () => Uint8Array[], string][] = [
    ["skips a ledger", () => ledgers.filter((_, index) => index !== 5000), "delivered ledger 5003 where ledger 5002 must come next"],
    ["repeats a ledger", () => [...ledgers.slice(0, 101), ...ledgers.slice(100)], "delivered ledger 102 where ledger 103 must come next"],
    ["overruns the chunk", () => [...ledgers, nextChunkFirstLedger], "delivered more than the chunk's 10000 ledgers (past ledger 10001)"],
    ["ends early", () => ledgers.slice(0, 9999), "ended before ledger 10001"],
  ];
  test.each(badStreams)("writeChunkArtifacts() rejects a source that %s and leaves no file", async (_label, stream, detail) => {
    const layout = freshLayout();
    const error = await writeAll(layout, stream()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ChunkSourceError);
    expect((error as Error).message).toContain("Cannot build chunk 00000000 [2, 10001]: the test source ");
    expect((error as Error).message).toContain(detail);
    expect(allFiles(layout).filter((path) => existsSync(path))).toEqual([]);
  }, 30_000);

  test("writeChunkArtifacts() still removes the events files when removing the partial pack fails", async () => {
    const layout = freshLayout();
    const packPath = layout.ledgerPackPath(CHUNK);
    function* source(): Generator<Uint8Array> {
      yield* ledgers.slice(0, 100);
      // A directory now holds the pack's name: its unlink fails (EISDIR, as EROFS or EIO would).
      rmSync(packPath);
      mkdirSync(packPath);
      yield ledgers[0]!; // a repeated ledger fails the build with every writer open
    }
    const error = await writeAll(layout, source()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FileIoError);
    expect((error as Error).message).toContain(packPath);
    expect((error as Error).message).toContain("(after: Cannot build chunk 00000000"); // the root cause stays in the message
    expect(allFiles(layout).filter((path) => existsSync(path))).toEqual([packPath]);
  }, 30_000);

  test("writeChunkArtifacts() rejects a ledger whose own header names another sequence", async () => {
    const layout = freshLayout();
    const shifted = [...ledgers.slice(1), ledgers[0]!];
    const error = await writeAll(layout, shifted).catch((err: unknown) => err);
    expect((error as Error).message).toContain(`delivered ledger ${(chunkFirstLedger(CHUNK) + 1) as LedgerSeq} where ledger 2 must come next`);
  }, 30_000);
});

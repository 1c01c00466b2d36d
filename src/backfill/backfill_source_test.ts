import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rmSync, unlinkSync } from "node:fs";
import { HotVolumeLostError, openHotDbForChunk } from "../catalog/hot_bracket.ts";
import { FullhistoryError } from "../errors.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { hotDbOpener } from "../hot/hot_db_opener.ts";
import { openHotChunkDbReadOnly } from "../hot/hot_chunk_db.ts";
import { silentLogger } from "../log/logger.ts";
import { LedgerSynth } from "../synth/ledger_synth.ts";
import { type CatalogFixture, freezeChunkArtifacts, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { BACKFILL_TEST_PASSPHRASE, lakeOptionsOf, type MemoryHotChunk, memoryHotChunk } from "../../test/support/backfill_fixture.ts";
import { FrozenPackMissingError } from "./backfill_errors.ts";
import { type BackfillSourceDeps, backfillSource } from "./backfill_source.ts";
import { type HotChunkOpener } from "./hot_chunk_reader.ts";

const CHUNK = 3 as ChunkId;
const LAKE = lakeOptionsOf("/nonexistent/lake");

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

function depsWith(openHotChunk: HotChunkOpener): BackfillSourceDeps {
  return { catalog: fixture.catalog, lake: LAKE, openHotChunk, logger: silentLogger() };
}

const NO_HOT: HotChunkOpener = () => {
  throw new Error("no hot DB may be opened here");
};

/** Marks chunk CHUNK's hot DB `ready` through the real bracket (an empty real DB), then closes it. */
function makeHotReady(): void {
  const opener = hotDbOpener(CHUNK);
  opener.close(openHotDbForChunk(fixture.catalog, CHUNK, opener));
}

/** A reader whose watermark is `maxCommittedSeq`; it serves no ledgers (the source choice reads none). */
function watermarkOnly(maxCommittedSeq: LedgerSeq | undefined): MemoryHotChunk {
  const reader = memoryHotChunk([], { firstLedgerSeq: chunkFirstLedger(CHUNK) });
  reader.maxCommittedSeq = () => maxCommittedSeq;
  return reader;
}

describe("backfillSource()", () => {
  test("backfillSource() uses the lake when nothing local holds the chunk", () => {
    expect(backfillSource(depsWith(NO_HOT), { chunkId: CHUNK, kinds: ["ledgers", "events", "txhash"] })).toEqual({ kind: "lake", lake: LAKE });
  });

  test("backfillSource() prefers the frozen pack when ledgers is not requested", () => {
    freezeChunkArtifacts(fixture.catalog, CHUNK, ["ledgers"]);
    expect(backfillSource(depsWith(NO_HOT), { chunkId: CHUNK, kinds: ["events", "txhash"] })).toEqual({
      kind: "pack",
      path: fixture.layout.ledgerPackPath(CHUNK),
    });
  });

  test("backfillSource() does not use a freezing pack: ledgers is requested, the lake is read", () => {
    freezeChunkArtifacts(fixture.catalog, CHUNK, ["events"]);
    expect(backfillSource(depsWith(NO_HOT), { chunkId: CHUNK, kinds: ["ledgers", "txhash"] }).kind).toBe("lake");
  });

  test("backfillSource() fails loudly, never downloading, when a frozen pack's file is missing", () => {
    freezeChunkArtifacts(fixture.catalog, CHUNK, ["ledgers"]);
    unlinkSync(fixture.layout.ledgerPackPath(CHUNK));
    expect(() => backfillSource(depsWith(NO_HOT), { chunkId: CHUNK, kinds: ["events"] })).toThrow(FrozenPackMissingError);
    expect(() => backfillSource(depsWith(NO_HOT), { chunkId: CHUNK, kinds: ["events"] })).toThrow(
      `chunk:00000003:ledgers is "frozen" but its pack "${fixture.layout.ledgerPackPath(CHUNK)}" is missing`,
    );
  });

  test("backfillSource() takes a ready hot DB that holds the whole chunk, left open for the caller", () => {
    makeHotReady();
    const reader = watermarkOnly(chunkLastLedger(CHUNK));
    const source = backfillSource(depsWith(() => reader), { chunkId: CHUNK, kinds: ["ledgers", "events", "txhash"] });
    expect(source).toEqual({ kind: "hot", dir: fixture.layout.hotDbDir(CHUNK), reader });
    expect(reader.closeCount).toBe(0);
  });

  test("backfillSource() closes an incomplete ready hot DB and falls through to the pack", () => {
    makeHotReady();
    freezeChunkArtifacts(fixture.catalog, CHUNK, ["ledgers"]);
    const reader = watermarkOnly((chunkLastLedger(CHUNK) - 1) as LedgerSeq);
    expect(backfillSource(depsWith(() => reader), { chunkId: CHUNK, kinds: ["events"] }).kind).toBe("pack");
    expect(reader.closeCount).toBe(1);
  });

  test("backfillSource() passes over a real ready hot DB holding only a few ledgers (read-only open of src/hot)", () => {
    const opener = hotDbOpener(CHUNK);
    const db = openHotDbForChunk(fixture.catalog, CHUNK, opener);
    const synth = new LedgerSynth({ seed: 1, profile: "sparse", networkPassphrase: BACKFILL_TEST_PASSPHRASE });
    for (let offset = 0; offset < 3; offset++) {
      const ledgerSeq = (chunkFirstLedger(CHUNK) + offset) as LedgerSeq;
      db.ingestLedger(ledgerSeq, synth.generate(ledgerSeq).lcm);
    }
    opener.close(db);
    expect(backfillSource(depsWith(openHotChunkDbReadOnly), { chunkId: CHUNK, kinds: ["ledgers"] }).kind).toBe("lake");
  });

  test("backfillSource() reports a ready hot DB whose dir is gone as lost hot storage", () => {
    makeHotReady();
    rmSync(fixture.layout.hotDbDir(CHUNK), { recursive: true });
    expect(() => backfillSource(depsWith(NO_HOT), { chunkId: CHUNK, kinds: ["ledgers"] })).toThrow(HotVolumeLostError);
  });

  test("backfillSource() reports a ready hot DB that will not open as lost hot storage", () => {
    makeHotReady();
    const refuse: HotChunkOpener = () => {
      throw new FullhistoryError("Cannot open the hot DB: Corruption");
    };
    expect(() => backfillSource(depsWith(refuse), { chunkId: CHUNK, kinds: ["ledgers"] })).toThrow(
      /Cannot build chunk 00000003: its "ready" hot DB ".*" will not open \(Cannot open the hot DB: Corruption\)/,
    );
  });

  test("backfillSource() lets a bug in the hot opener surface as itself", () => {
    makeHotReady();
    const bug = new TypeError("opener bug");
    expect(() => backfillSource(depsWith(() => { throw bug; }), { chunkId: CHUNK, kinds: ["ledgers"] })).toThrow(bug);
  });

  test("backfillSource() closes the hot DB and reports lost storage when its watermark cannot be read", () => {
    makeHotReady();
    const reader = memoryHotChunk([], { firstLedgerSeq: chunkFirstLedger(CHUNK) });
    reader.maxCommittedSeq = () => {
      throw new FullhistoryError("IO error");
    };
    expect(() => backfillSource(depsWith(() => reader), { chunkId: CHUNK, kinds: ["ledgers"] })).toThrow(HotVolumeLostError);
    expect(reader.closeCount).toBe(1);
  });
});

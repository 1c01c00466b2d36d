import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CatalogFixture,
  coverageOf,
  freezeChunkArtifacts,
  freezeIndexCoverage,
  openCatalogFixture,
  removeCatalogFixture,
} from "../../test/support/catalog_fixture.ts";
import { type Db, closeDb, lastEntry, openDb, put } from "../../ffi/rocksdb.ts";
import { writeSynced } from "./_store.ts";
import { artifactState } from "./artifact_reads.ts";
import { markChunkFreezing } from "./write_protocol.ts";
import { pinEarliestLedger } from "./earliest_ledger.ts";
import { type HotDbOpener, HotVolumeLostError, openHotDbForChunk } from "./hot_bracket.ts";
import { FullhistoryError } from "../errors.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { ARTIFACT_KINDS, hotKey } from "../geometry/keys.ts";
import { SYNTH_PASSPHRASE_DEFAULT } from "../cli/synth_lake_command.ts";
import { hotDbOpener } from "../hot/hot_db_opener.ts";
import { LedgerSynth } from "../synth/ledger_synth.ts";
import { hotChunkProbe } from "../daemon/hot_probe.ts";
import { type HotProbe, lastCommittedLedger } from "./last_committed.ts";

/**
 * A stand-in hot DB until src/hot lands: a real RocksDB whose keys are big-endian ledger
 * sequences, so the greatest key is the max committed ledger. It implements the consumer
 * interface exactly as the hot DB module will; nothing of RocksDB is faked.
 */
class TestHotProbe implements HotProbe<Db> {
  readonly openedDirs: string[] = [];
  failReadWith: Error | undefined;
  readonly testOpener: HotDbOpener<Db> = {
    open: (dir, options) => {
      this.openedDirs.push(dir);
      return openDb(dir, { createIfMissing: options.create, readOnly: false });
    },
    close: (db) => closeDb(db),
  };

  opener(): HotDbOpener<Db> {
    return this.testOpener;
  }

  maxCommittedLedger(db: Db): LedgerSeq | undefined {
    if (this.failReadWith !== undefined) throw this.failReadWith;
    const entry = lastEntry(db);
    return entry === undefined ? undefined : (new DataView(entry.key.buffer, entry.key.byteOffset).getUint32(0) as LedgerSeq);
  }
}

function ledgerKey(ledgerSeq: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, ledgerSeq);
  return key;
}

let fixture: CatalogFixture;
let probe: TestHotProbe;
beforeEach(() => {
  fixture = openCatalogFixture({ chunksPerWindow: 4 });
  probe = new TestHotProbe();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

function chunk(id: number): ChunkId {
  return id as ChunkId;
}

function freezeCold(...chunkIds: number[]): void {
  for (const chunkId of chunkIds) freezeChunkArtifacts(fixture.catalog, chunk(chunkId), ARTIFACT_KINDS);
}

/** Creates chunk `chunkId`'s hot DB through the bracket (key `ready`) with ledgers first..`throughLedgerSeq`. */
function makeHot(chunkId: number, throughLedgerSeq?: number): void {
  const db = openHotDbForChunk(fixture.catalog, chunk(chunkId), probe.testOpener);
  if (throughLedgerSeq !== undefined) {
    for (let seq: number = chunkFirstLedger(chunk(chunkId)); seq <= throughLedgerSeq; seq += 997) put(db, ledgerKey(seq), ledgerKey(seq), { sync: false });
    put(db, ledgerKey(throughLedgerSeq), ledgerKey(throughLedgerSeq), { sync: true });
  }
  closeDb(db);
  probe.openedDirs.length = 0;
}

function derive(withProbe: boolean): number {
  return lastCommittedLedger(fixture.catalog, withProbe ? probe : undefined);
}

describe("lastCommittedLedger() without a probe (TestDeriveCompleteThrough)", () => {
  test("a fresh catalog has committed nothing: 1", () => {
    expect(derive(false)).toBe(1);
  });

  test("cold chunks 0..2 complete through the last ledger of chunk 2", () => {
    freezeCold(0, 1, 2);
    expect(derive(false)).toBe(chunkLastLedger(chunk(2)));
  });

  test("frozen ledgers with freezing events degrade the bound to the chunk below", () => {
    freezeCold(0, 1);
    freezeChunkArtifacts(fixture.catalog, chunk(2), ["ledgers", "txhash"]);
    markChunkFreezing(fixture.catalog, { chunkId: chunk(2), kinds: ["events"] });
    expect(derive(false)).toBe(chunkLastLedger(chunk(1)));
  });

  test("a frozen coverage stands in for a chunk's swept txhash", () => {
    freezeCold(0, 1, 2, 3);
    freezeIndexCoverage(fixture.catalog, coverageOf(0, 0, 3)); // terminal: demotes every .bin to pruning
    expect(artifactState(fixture.catalog, { chunkId: chunk(3), kind: "txhash" })).toBe("pruning");
    expect(derive(false)).toBe(chunkLastLedger(chunk(3)));
  });

  test("a chunk with ledgers and events but neither txhash nor coverage does not count", () => {
    freezeCold(0);
    freezeChunkArtifacts(fixture.catalog, chunk(1), ["ledgers", "events"]);
    expect(derive(false)).toBe(chunkLastLedger(chunk(0)));
  });

  test("ready hot chunks 3, 4, 5 complete through chunk 4 (5 is live)", () => {
    makeHot(3);
    makeHot(4);
    makeHot(5);
    expect(derive(false)).toBe(chunkLastLedger(chunk(4)));
  });

  test("a transient hot key is ignored", () => {
    makeHot(3);
    writeSynced(fixture.catalog, [{ key: hotKey(chunk(4)), value: "transient" }]);
    expect(derive(false)).toBe(chunkLastLedger(chunk(2)));
  });

  test("only live chunk 0 hot: nothing complete, 1", () => {
    makeHot(0);
    expect(derive(false)).toBe(1);
  });

  test("a pinned earliest 50002 counts everything below it as had: 50001", () => {
    pinEarliestLedger(fixture.catalog, 50_002 as LedgerSeq);
    expect(derive(false)).toBe(50_001);
  });

  test("a pinned earliest of genesis 2 gives 1", () => {
    pinEarliestLedger(fixture.catalog, 2 as LedgerSeq);
    expect(derive(false)).toBe(1);
  });

  test("the result is the max of the cold, hot and floor terms", () => {
    pinEarliestLedger(fixture.catalog, 20_002 as LedgerSeq);
    freezeCold(2, 3);
    makeHot(6);
    expect(derive(false)).toBe(chunkLastLedger(chunk(5)));
  });
});

describe("lastCommittedLedger() with a probe (TestDeriveWatermark)", () => {
  test("reading the highest ready hot DB gives sub-chunk precision", () => {
    freezeCold(0, 1, 2);
    makeHot(3, chunkLastLedger(chunk(3)));
    makeHot(4, chunkFirstLedger(chunk(4)) + 1234);
    expect(derive(true)).toBe(chunkFirstLedger(chunk(4)) + 1234);
    expect(probe.openedDirs).toEqual([fixture.layout.hotDbDir(chunk(4))]);
  });

  test("a crash at a boundary (next chunk transient) is recovered by reading the predecessor's DB", () => {
    makeHot(4, chunkLastLedger(chunk(4)));
    writeSynced(fixture.catalog, [{ key: hotKey(chunk(5)), value: "transient" }]);
    expect(derive(true)).toBe(chunkLastLedger(chunk(4)));
  });

  test("an empty hot DB falls back to the chunk below", () => {
    makeHot(5);
    expect(derive(true)).toBe(chunkLastLedger(chunk(4)));
  });

  test("a hot chunk at or below the cold frontier is not opened and never lowers the result", () => {
    freezeCold(0, 1, 2, 3);
    makeHot(3, chunkFirstLedger(chunk(3)) + 5);
    expect(derive(true)).toBe(chunkLastLedger(chunk(3)));
    expect(probe.openedDirs).toEqual([]);
  });

  test("a missing lower ready hot DB goes unnoticed; only the highest is opened", () => {
    makeHot(3, chunkLastLedger(chunk(3)));
    makeHot(4, chunkFirstLedger(chunk(4)) + 9);
    rmSync(fixture.layout.hotDbDir(chunk(3)), { recursive: true });
    expect(derive(true)).toBe(chunkFirstLedger(chunk(4)) + 9);
  });

  test("a missing ready hot dir is HotVolumeLostError naming the chunk", () => {
    makeHot(5, chunkFirstLedger(chunk(5)));
    rmSync(fixture.layout.hotDbDir(chunk(5)), { recursive: true });
    expect(() => derive(true)).toThrow(HotVolumeLostError);
    expect(() => derive(true)).toThrow("00000005");
  });

  test("a ready hot DB that will not open is HotVolumeLostError naming the chunk", () => {
    makeHot(5, chunkFirstLedger(chunk(5)));
    writeFileSync(join(fixture.layout.hotDbDir(chunk(5)), "CURRENT"), "MANIFEST-999999\n");
    expect(() => derive(true)).toThrow(HotVolumeLostError);
    expect(() => derive(true)).toThrow("00000005");
  });

  test("a read failure is HotVolumeLostError naming the chunk, and the DB is closed again", () => {
    makeHot(5, chunkFirstLedger(chunk(5)));
    probe.failReadWith = new FullhistoryError("checksum mismatch in block");
    expect(() => derive(true)).toThrow(/00000005.*checksum mismatch/);
    probe.failReadWith = undefined;
    expect(derive(true)).toBe(chunkFirstLedger(chunk(5))); // reopens: the failed probe released its LOCK
  });

  test("a hot DB reporting a ledger outside its chunk is HotVolumeLostError", () => {
    makeHot(5, chunkLastLedger(chunk(5)) + 1);
    expect(() => derive(true)).toThrow(/outside the chunk/);
  });
});

describe("lastCommittedLedger() with the production probe (TestDeriveWatermark_RealHotDB_*)", () => {
  const synth = new LedgerSynth({ seed: 7, profile: "sparse", networkPassphrase: SYNTH_PASSPHRASE_DEFAULT });

  function ingestHot(chunkId: number, ledgerCount: number): void {
    const db = openHotDbForChunk(fixture.catalog, chunk(chunkId), hotDbOpener(chunk(chunkId)));
    try {
      for (let index = 0; index < ledgerCount; index++) {
        const ledgerSeq = (chunkFirstLedger(chunk(chunkId)) + index) as LedgerSeq;
        db.ingestLedger(ledgerSeq, synth.generate(ledgerSeq).lcm);
      }
    } finally {
      db.close();
    }
  }

  test("the refinement tracks the real frontier of the highest ready hot DB", () => {
    ingestHot(4, 3);
    ingestHot(5, 4);
    expect(lastCommittedLedger(fixture.catalog, hotChunkProbe())).toBe((chunkFirstLedger(chunk(5)) + 3) as LedgerSeq);
  });

  test("an empty live hot DB falls back to the chunk below", () => {
    ingestHot(5, 0);
    expect(lastCommittedLedger(fixture.catalog, hotChunkProbe())).toBe(chunkLastLedger(chunk(4)));
  });

  test("the read-only probe leaves the DB openable read-write (no LOCK held, nothing changed)", () => {
    ingestHot(5, 2);
    lastCommittedLedger(fixture.catalog, hotChunkProbe());
    const db = openHotDbForChunk(fixture.catalog, chunk(5), hotDbOpener(chunk(5)));
    expect(db.maxCommittedSeq()).toBe((chunkFirstLedger(chunk(5)) + 1) as LedgerSeq);
    db.close();
  });
});

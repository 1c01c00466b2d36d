import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deleteKey } from "../../ffi/rocksdb.ts";
import { discardHotDbForChunk } from "../catalog/hot_bracket.ts";
import { buildTxhashIndex } from "../formats/txhash_index_build.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { chunkKey, hotKey, indexKey } from "../geometry/keys.ts";
import { type IndexCoverage, coverageLedgerSpan } from "../geometry/windows.ts";
import {
  createStoreFixture,
  flipByte,
  foreignLedgers,
  freezeChunksFromLake,
  freezeCoverage,
  ingestHotChunk,
  lakeLedgers,
  plantCatalogValue,
  removeStoreFixture,
  type StoreFixture,
  storeCatalog,
  withDamagedFile,
  writeForeignPack,
} from "../../test/support/read_store.ts";
import { type AuditOptions, runAudit } from "./run_audit.ts";
import { formatViolation } from "./violation.ts";

// Windows of 2 chunks. Chunks 0..2 frozen; window 0 finalized by [0, 1] (its .bins swept), window 1
// rolling with [2, 2] (chunk 2's .bin kept). Every test restores what it damaged.
let fixture: StoreFixture;
const FINAL = coverage(0, 0, 1);
const ROLLING = coverage(1, 2, 2);

function coverage(windowId: number, lo: number, hi: number): IndexCoverage {
  return { windowId: windowId as WindowId, lo: lo as ChunkId, hi: hi as ChunkId };
}

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 2, chunksPerWindow: 2, seed: 23 });
  await freezeChunksFromLake(fixture, { lo: 0, hi: 2 });
  freezeCoverage(fixture, FINAL);
  freezeCoverage(fixture, ROLLING);
}, 90_000);

afterAll(() => removeStoreFixture(fixture));

async function auditLines(options: Partial<AuditOptions> = {}): Promise<string[]> {
  const report = await runAudit(storeCatalog(fixture), { retentionChunks: 0, ...options });
  return report.violations.map(formatViolation);
}

/** Sets `key` to `value` for the duration of `use`, then deletes it or restores `previous`. */
async function withPlantedKey(key: string, value: string, use: () => Promise<void>, previous?: string): Promise<void> {
  plantCatalogValue(fixture, key, value);
  try {
    await use();
  } finally {
    if (previous === undefined) deleteKey(storeCatalog(fixture).db, new TextEncoder().encode(key), { sync: true });
    else plantCatalogValue(fixture, key, previous);
  }
}

describe("runAudit() on a settled store", () => {
  test("finds nothing wrong, and counts what it judged: every frozen key opened, none read through by default", async () => {
    const report = await runAudit(storeCatalog(fixture), { retentionChunks: 0 });
    expect(report.violations).toEqual([]);
    // 9 chunk keys − 2 swept .bins, 2 coverages; files: 3 packs, 9 events files, 1 .bin, 2 .idx.
    expect(report.keyCount).toBe(9);
    expect(report.entryCount).toBe(15);
    expect(report.openedKeyCount).toBe(9);
    expect(report.scrubbedKeyCount).toBe(0);
    expect(report.retained.lastLedgerSeq).toBe(chunkLastLedger(2 as ChunkId));
    expect(report.watermarkExact).toBe(true);
  });

  test("reads every frozen key through with scrub all, and an evenly spaced sample with a sample count", async () => {
    expect((await runAudit(storeCatalog(fixture), { retentionChunks: 0, scrub: "all" })).scrubbedKeyCount).toBe(9);
    const sampled = await runAudit(storeCatalog(fixture), { retentionChunks: 0, scrub: { sampleCount: 2 } });
    expect(sampled.violations).toEqual([]);
    expect(sampled.openedKeyCount).toBe(9);
    expect(sampled.scrubbedKeyCount).toBe(2);
  });
});

describe("INV-3 disk matches catalog", () => {
  test("reports a frozen pack whose file was deleted, once, under INV-3 only", async () => {
    const path = fixture.layout.ledgerPackPath(1 as ChunkId);
    await withDamagedFile(path, (target) => rmSync(target), async () => {
      expect(await auditLines()).toEqual([`INV-3 ${chunkKey(1 as ChunkId, "ledgers")} ${path}: frozen but the file is missing`]);
    });
  });

  test("reports a stray file with an unknown name and an orphaned file whose key is absent", async () => {
    const strayPath = join(fixture.layout.roots.ledgers, "00000", "notes.txt");
    const orphanPath = fixture.layout.ledgerPackPath(7 as ChunkId);
    writeFileSync(strayPath, "x");
    writeFileSync(orphanPath, "x");
    try {
      expect(await auditLines()).toEqual([
        `INV-3 ${chunkKey(7 as ChunkId, "ledgers")} ${orphanPath}: orphaned file: its catalog key is absent`,
        `INV-3 ${strayPath}: stray file: no catalog key could name it`,
      ]);
    } finally {
      rmSync(strayPath);
      rmSync(orphanPath);
    }
  });

  test("reports a hot root entry that is a file where a chunk directory belongs, and a ready key without its dir", async () => {
    const hotFile = join(fixture.layout.roots.hot, "00000009");
    writeFileSync(hotFile, "x");
    try {
      await withPlantedKey(hotKey(5 as ChunkId), "ready", async () => {
        const lines = await auditLines();
        expect(lines).toContain(`INV-3 ${hotKey(9 as ChunkId)} ${hotFile}: stray file: a directory belongs here`);
        expect(lines).toContain(`INV-3 ${hotKey(5 as ChunkId)} ${fixture.layout.hotDbDir(5 as ChunkId)}: ready but the directory is missing`);
      });
    } finally {
      rmSync(hotFile);
    }
  });
});

describe("INV-2 single canonical state", () => {
  test("reports two frozen coverages in one window", async () => {
    const second = coverage(0, 0, 0);
    await withPlantedKey(indexKey(second), "frozen", async () => {
      const lines = await auditLines();
      expect(lines.filter((line) => line.startsWith("INV-2"))).toEqual([
        `INV-2 ${indexKey(FINAL)}: window 0 has 2 frozen coverages (${indexKey(second)}, ${indexKey(FINAL)}); at most one may be frozen`,
      ]);
    });
  });

  test("reports a pruning key and a freezing key below the last committed ledger, but not a freezing key above it", async () => {
    await withPlantedKey(chunkKey(1 as ChunkId, "events"), "pruning", async () => {
      await withPlantedKey(chunkKey(5 as ChunkId, "ledgers"), "freezing", async () => {
        await withPlantedKey(chunkKey(0 as ChunkId, "txhash"), "freezing", async () => {
          const lines = await auditLines();
          expect(lines).toContain(`INV-2 ${chunkKey(1 as ChunkId, "events")}: pruning: a sweep has not finished`);
          expect(lines.some((line) => line.startsWith(`INV-2 ${chunkKey(0 as ChunkId, "txhash")}: freezing although`))).toBe(true);
          expect(lines.some((line) => line.includes(chunkKey(5 as ChunkId, "ledgers")))).toBe(false);
        });
      });
    }, "frozen");
  });

  test("reports a ready hot DB for a chunk that cold files and a frozen coverage already serve", async () => {
    ingestHotChunk(fixture, 1, (await lakeLedgers(fixture, 1)).slice(0, 3));
    try {
      expect(await auditLines()).toEqual([
        `INV-2 ${hotKey(1 as ChunkId)}: ready although cold files and ${indexKey(FINAL)} serve the chunk: the hot DB was not discarded`,
      ]);
    } finally {
      discardHotDbForChunk(storeCatalog(fixture), 1 as ChunkId);
    }
  });

  test("tolerates a transient hot key (a discard in flight)", async () => {
    await withPlantedKey(hotKey(1 as ChunkId), "transient", async () => {
      expect(await auditLines()).toEqual([]);
    });
  });

  test("reports a .bin key left in a finalized window", async () => {
    const path = fixture.layout.txhashRunPath(0 as ChunkId);
    writeFileSync(path, new Uint8Array(8)); // a valid empty run, so only INV-2 speaks
    try {
      await withPlantedKey(chunkKey(0 as ChunkId, "txhash"), "frozen", async () => {
        expect(await auditLines()).toEqual([`INV-2 ${chunkKey(0 as ChunkId, "txhash")}: frozen although the window's index ${indexKey(FINAL)} is final`]);
      });
    } finally {
      rmSync(path);
    }
  });
});

describe("INV-1 hot tier", () => {
  /** Ready hot DBs for chunks above the frozen ones, holding `ledgerCounts[i]` foreign ledgers each; discarded after `use`. */
  async function withHotChunks(ledgerCounts: Record<number, number>, use: () => Promise<void>): Promise<void> {
    const chunkIds = Object.keys(ledgerCounts).map(Number);
    for (const chunkId of chunkIds) ingestHotChunk(fixture, chunkId, foreignLedgers({ chunkId, count: ledgerCounts[chunkId]!, seed: 5150 }));
    try {
      await use();
    } finally {
      for (const chunkId of chunkIds) discardHotDbForChunk(storeCatalog(fixture), chunkId as ChunkId);
    }
  }

  test("opens a ready hot DB, counts it, and takes the last committed ledger from it (the real watermark)", async () => {
    await withHotChunks({ 3: 4 }, async () => {
      const report = await runAudit(storeCatalog(fixture), { retentionChunks: 0 });
      expect(report.violations).toEqual([]);
      expect(report.openedKeyCount).toBe(10);
      expect(report.retained.lastLedgerSeq).toBe((chunkFirstLedger(3 as ChunkId) + 3) as LedgerSeq);
      expect(report.watermarkExact).toBe(true);
    });
  });

  test("reports a ready hot DB that will not open as unreadable, and falls back to the chunk-granularity watermark", async () => {
    await withHotChunks({ 3: 4 }, async () => {
      const dir = fixture.layout.hotDbDir(3 as ChunkId);
      // A CURRENT that names no MANIFEST (no trailing newline) will not open; a missing file would
      // read as data retired since the snapshot instead (hot_tier_test.ts).
      writeFileSync(join(dir, "CURRENT"), "garbage");
      const report = await runAudit(storeCatalog(fixture), { retentionChunks: 0 });
      expect(report.violations.map(formatViolation)).toEqual([expect.stringMatching(new RegExp(`^INV-1 ${hotKey(3 as ChunkId)} ${dir}: unreadable: Cannot open the hot DB of chunk 00000003`))]);
      expect(report.watermarkExact).toBe(false);
      expect(report.retained.lastLedgerSeq).toBe(chunkLastLedger(2 as ChunkId));
    });
  });

  test("reports a ready chunk that is short although the next chunk is ready: ledgers lost from every tier", async () => {
    await withHotChunks({ 3: 5, 4: 2 }, async () => {
      const report = await runAudit(storeCatalog(fixture), { retentionChunks: 0 });
      expect(report.violations.map(formatViolation)).toEqual([
        `INV-1 ${hotKey(3 as ChunkId)} ${fixture.layout.hotDbDir(3 as ChunkId)}: holds ledgers up to ${chunkFirstLedger(3 as ChunkId) + 4} ` +
          `although chunk 00000004 is ready above it and its ledgers are not frozen: ledgers ${chunkFirstLedger(3 as ChunkId) + 5}..` +
          `${chunkLastLedger(3 as ChunkId)} are in no hot DB and no pack`,
      ]);
      expect(report.retained.lastLedgerSeq).toBe((chunkFirstLedger(4 as ChunkId) + 1) as LedgerSeq);
    });
  });
});

describe("INV-4 retention bound", () => {
  test("reports every key below the floor but keeps the index of a window that straddles it", async () => {
    // retention 1 at last committed = chunk 2's last ledger: the floor is chunk 2's first ledger.
    const lines = await auditLines({ retentionChunks: 1 });
    const floor = `below the retention floor (ledger ${chunkFirstLedger(2 as ChunkId)}, chunk 2): it should have been pruned`;
    expect(lines).toEqual([
      ...[0, 1].flatMap((chunkId) => [`INV-4 ${chunkKey(chunkId as ChunkId, "ledgers")}: ${floor}`, `INV-4 ${chunkKey(chunkId as ChunkId, "events")}: ${floor}`]),
      `INV-4 ${indexKey(FINAL)}: window ends ${floor}`,
    ]);
  });

  test("accepts a frozen index whose window straddles the floor", async () => {
    // Windows of 2: window 1 = chunks 2..3; a floor at chunk 3 leaves chunk 2 below but [2, 2]'s window straddles.
    const lines = await auditLines({ retentionChunks: 1 });
    expect(lines.some((line) => line.includes(indexKey(ROLLING)))).toBe(false);
  });
});

describe("INV-1 file integrity", () => {
  test("opens every frozen file by default: a corrupt pack trailer and a corrupt index header are caught without a scrub", async () => {
    const packPath = fixture.layout.ledgerPackPath(1 as ChunkId);
    const indexPath = fixture.layout.indexPath(ROLLING);
    await withDamagedFile(packPath, (target) => flipByte(target, -2), async () => {
      await withDamagedFile(indexPath, (target) => flipByte(target, 13), async () => {
        const lines = await auditLines();
        expect(lines).toHaveLength(2);
        expect(lines[0]!.startsWith(`INV-1 ${chunkKey(1 as ChunkId, "ledgers")} ${packPath}: corrupt: `)).toBe(true);
        expect(lines[1]!.startsWith(`INV-1 ${indexKey(ROLLING)} ${indexPath}: corrupt: `)).toBe(true);
      });
    });
  });

  test("leaves a corrupt record inside a pack to the scrub, which catches it", async () => {
    const path = fixture.layout.ledgerPackPath(2 as ChunkId);
    await withDamagedFile(path, (target) => flipByte(target, 40), async () => {
      expect(await auditLines()).toEqual([]);
      const lines = await auditLines({ scrub: "all" });
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`INV-1 ${chunkKey(2 as ChunkId, "ledgers")} ${path}: corrupt: `)).toBe(true);
    });
  });

  test.each([
    ["a ledger pack record", () => fixture.layout.ledgerPackPath(2 as ChunkId), 40, chunkKey(2 as ChunkId, "ledgers")],
    ["an events pack record", () => fixture.layout.eventsPaths(2 as ChunkId).eventsPack, 40, chunkKey(2 as ChunkId, "events")],
    ["a term dictionary block", () => fixture.layout.eventsPaths(2 as ChunkId).indexHash, 20, chunkKey(2 as ChunkId, "events")],
    ["a posting list record", () => fixture.layout.eventsPaths(2 as ChunkId).indexPack, 3, chunkKey(2 as ChunkId, "events")],
    ["an index block", () => fixture.layout.indexPath(FINAL), 70, indexKey(FINAL)],
  ])("scrub reports a flipped byte in %s under its key and path", async (_what, pathOf, byteOffset, key) => {
    const path = pathOf();
    await withDamagedFile(path, (target) => flipByte(target, byteOffset), async () => {
      const lines = await auditLines({ scrub: "all" });
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`INV-1 ${key} ${path}: corrupt: `)).toBe(true);
    });
  });

  test("scrub reports a .bin whose entries are out of order", async () => {
    const path = fixture.layout.txhashRunPath(2 as ChunkId);
    const swapFirstTwoEntries = (target: string) => {
      const bytes = readFileSync(target);
      const first = Uint8Array.from(bytes.subarray(8, 28)); // a copy: Buffer#slice would be a view
      bytes.copyWithin(8, 28, 48);
      bytes.set(first, 28);
      writeFileSync(target, bytes);
    };
    await withDamagedFile(path, swapFirstTwoEntries, async () => {
      const lines = await auditLines({ scrub: "all" });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`INV-1 ${chunkKey(2 as ChunkId, "txhash")} ${path}: corrupt: `);
    });
  });
});

describe("INV-1 deep", () => {
  const deepOptions = (sampleCount: number): AuditOptions["deep"] => ({ sampleCount, source: fixture.source, scratchDir: dirname(fixture.lakeDir) });

  test("re-derives every sampled chunk and finds a clean store identical to its lake", async () => {
    const report = await runAudit(storeCatalog(fixture), { retentionChunks: 0, deep: deepOptions(3) });
    expect(report.violations).toEqual([]);
    expect(report.derivedChunkCount).toBe(3);
  }, 60_000);

  test("catches a pack rewritten with different but valid ledgers, which the integrity check accepts", async () => {
    const path = fixture.layout.ledgerPackPath(1 as ChunkId);
    await withDamagedFile(path, (target) => writeForeignPack(target, { chunkId: 1, seed: 999 }), async () => {
      expect(await auditLines({ scrub: "all" })).toEqual([]);
      const lines = await auditLines({ deep: deepOptions(3) });
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`INV-1 ${chunkKey(1 as ChunkId, "ledgers")} ${path}: differs from its re-derivation from `)).toBe(true);
    });
  }, 60_000);

  test("catches a valid index that misses the sampled chunk's transactions", async () => {
    const path = fixture.layout.indexPath(ROLLING);
    const span = coverageLedgerSpan(ROLLING);
    const rebuildEmpty = (target: string) => buildTxhashIndex({ runPaths: [], outputPath: target, minLedger: span.minLedger, maxLedger: span.maxLedger });
    await withDamagedFile(path, rebuildEmpty, async () => {
      expect(await auditLines({ scrub: "all" })).toEqual([]);
      const lines = await auditLines({ deep: deepOptions(1) }); // the middle chunk of 0..2 is 1: window 0
      expect(lines).toEqual([]);
      const all = await auditLines({ deep: deepOptions(3) });
      expect(all).toHaveLength(1);
      expect(all[0]!.startsWith(`INV-1 ${indexKey(ROLLING)} ${path}: misses `)).toBe(true);
    });
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import { chunkKey } from "../geometry/keys.ts";
import { CorruptFileError } from "../formats/corrupt_file_error.ts";
import { createLedgerPackWriter } from "../formats/ledger_pack_writer.ts";
import {
  createStoreFixture,
  flipByte,
  freezeChunksFromLake,
  freezeCoverage,
  lakeLedgers,
  plantCatalogValue,
  removeStoreFixture,
  type StoreFixture,
  storeCatalog,
  withDamagedFile,
} from "../../test/support/read_store.ts";
import { FrozenFileMissingError, openColdTier } from "./cold_tier.ts";

// Chunk 0 frozen and indexed; chunk 1 in the lake only.
let fixture: StoreFixture;
let chunk0: Uint8Array[];
const COVERAGE = { windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 0 as ChunkId };

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 1, chunksPerWindow: 1000, seed: 5 });
  await freezeChunksFromLake(fixture, { lo: 0, hi: 0 });
  freezeCoverage(fixture, COVERAGE);
  chunk0 = await lakeLedgers(fixture, 0);
}, 60_000);

afterAll(() => removeStoreFixture(fixture));

describe("ColdTier.ledger()", () => {
  test("returns exactly the lake's bytes for every ledger of a frozen chunk", () => {
    const tier = openColdTier(storeCatalog(fixture));
    try {
      chunk0.forEach((lcm, index) => {
        const ledgerSeq = (chunkFirstLedger(0 as ChunkId) + index) as LedgerSeq;
        expect(Buffer.from(tier.ledger(ledgerSeq)!).equals(Buffer.from(lcm))).toBe(true);
      });
    } finally {
      tier.close();
    }
  });

  test("returns undefined for a chunk without a frozen ledgers key, and below genesis", () => {
    const tier = openColdTier(storeCatalog(fixture));
    try {
      expect(tier.ledger(chunkFirstLedger(1 as ChunkId))).toBeUndefined();
      expect(tier.ledger(1 as LedgerSeq)).toBeUndefined();
    } finally {
      tier.close();
    }
  });

  test("does not serve a pack whose key is pruning", () => {
    plantCatalogValue(fixture, chunkKey(0 as ChunkId, "ledgers"), "pruning");
    try {
      const tier = openColdTier(storeCatalog(fixture));
      expect(tier.ledger(chunkFirstLedger(0 as ChunkId))).toBeUndefined();
      tier.close();
    } finally {
      plantCatalogValue(fixture, chunkKey(0 as ChunkId, "ledgers"), "frozen");
    }
  });

  test("reports a flipped byte in the pack as a CorruptFileError naming the pack, never the bytes", async () => {
    const path = fixture.layout.ledgerPackPath(0 as ChunkId);
    // Byte 40 lies inside record 0 (the pack starts with its first record).
    await withDamagedFile(path, (target) => flipByte(target, 40), () => {
      const tier = openColdTier(storeCatalog(fixture));
      try {
        expect(() => tier.ledger(chunkFirstLedger(0 as ChunkId))).toThrow(CorruptFileError);
        expect(() => tier.ledger(chunkFirstLedger(0 as ChunkId))).toThrow(path);
      } finally {
        tier.close();
      }
    });
  });

  test("reports a record holding another ledger than its position as a CorruptFileError", async () => {
    const path = fixture.layout.ledgerPackPath(0 as ChunkId);
    const rotateRecords = (target: string) => {
      const writer = createLedgerPackWriter(target, chunkFirstLedger(0 as ChunkId));
      chunk0.forEach((_, index) => writer.append((chunkFirstLedger(0 as ChunkId) + index) as LedgerSeq, chunk0[(index + 1) % chunk0.length]!));
      writer.finish();
    };
    await withDamagedFile(path, rotateRecords, () => {
      const tier = openColdTier(storeCatalog(fixture));
      try {
        expect(() => tier.ledger(chunkFirstLedger(0 as ChunkId))).toThrow(`holds ledger ${chunkFirstLedger(0 as ChunkId) + 1}`);
      } finally {
        tier.close();
      }
    });
  });

  test("reports a frozen pack that is missing as FrozenFileMissingError naming the key and the path", async () => {
    const path = fixture.layout.ledgerPackPath(0 as ChunkId);
    await withDamagedFile(path, (target) => rmSync(target), () => {
      const tier = openColdTier(storeCatalog(fixture));
      try {
        expect(() => tier.ledger(chunkLastLedger(0 as ChunkId))).toThrow(FrozenFileMissingError);
        expect(() => tier.ledger(chunkLastLedger(0 as ChunkId))).toThrow(`"${chunkKey(0 as ChunkId, "ledgers")}" is frozen`);
      } finally {
        tier.close();
      }
    });
  });
});

describe("ColdTier.txCandidates()", () => {
  test("reports a frozen index that is missing as FrozenFileMissingError", async () => {
    const path = fixture.layout.indexPath(COVERAGE);
    await withDamagedFile(path, (target) => rmSync(target), () => {
      const tier = openColdTier(storeCatalog(fixture));
      try {
        expect(() => [...tier.txCandidates(new Uint8Array(32))]).toThrow(FrozenFileMissingError);
      } finally {
        tier.close();
      }
    });
  });

  test("reports a corrupt index header as CorruptFileError naming the index", async () => {
    const path = fixture.layout.indexPath(COVERAGE);
    // Byte 13 lies in minLedger, under the header CRC.
    await withDamagedFile(path, (target) => flipByte(target, 13), () => {
      const tier = openColdTier(storeCatalog(fixture));
      try {
        expect(() => [...tier.txCandidates(new Uint8Array(32))]).toThrow(CorruptFileError);
        expect(() => [...tier.txCandidates(new Uint8Array(32))]).toThrow(path);
      } finally {
        tier.close();
      }
    });
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { deleteKey } from "../../ffi/rocksdb.ts";
import { lastCommittedLedger } from "../catalog/last_committed.ts";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger } from "../geometry/chunk.ts";
import { hotKey } from "../geometry/keys.ts";
import { networkIdOf } from "../xdr/network_id.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import {
  createStoreFixture,
  foreignLedgers,
  freezeChunksFromLake,
  freezeCoverage,
  ingestHotChunk,
  lakeLedgers,
  plantCatalogValue,
  removeStoreFixture,
  type StoreFixture,
  storeCatalog,
  TEST_PASSPHRASE,
} from "../../test/support/read_store.ts";
import { openColdTier } from "./cold_tier.ts";
import { findTransaction } from "./find_transaction.ts";
import { ReadyHotDbMissingError, openHotTier } from "./hot_tier.ts";
import { readLedger } from "./read_ledger.ts";

// Chunk 0 frozen and indexed by [0, 0]; its hot DB still `ready` but holding ANOTHER lake's first
// ledgers (so a read that reached it would show). Chunk 1 live: `ready`, its first HOT_LEDGERS
// ledgers of the lake ingested.
let fixture: StoreFixture;
const HOT_LEDGERS = 300;
const FOREIGN_LEDGERS = 40;
const GENESIS_FLOOR = { floorLedgerSeq: 2 as LedgerSeq, floorChunkId: 0 as ChunkId };
const networkId = networkIdOf(TEST_PASSPHRASE);
let chunk0: Uint8Array[];
let hotLedgers: Uint8Array[];
let foreign: Uint8Array[];

interface HotTx {
  ledgerSeq: LedgerSeq;
  hash: Uint8Array;
  innerHash: Uint8Array | undefined;
}

function txsOf(ledgers: readonly Uint8Array[]): HotTx[] {
  return ledgers.flatMap((lcm) => {
    const view = walkLedger(lcm);
    return view.transactions.map((tx) => ({
      ledgerSeq: view.ledgerSeq as LedgerSeq,
      hash: lcm.slice(tx.hashOffset, tx.hashOffset + 32),
      innerHash: tx.innerHashOffset === undefined ? undefined : lcm.slice(tx.innerHashOffset, tx.innerHashOffset + 32),
    }));
  });
}

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 1, chunksPerWindow: 1000, seed: 17 });
  await freezeChunksFromLake(fixture, { lo: 0, hi: 0 });
  freezeCoverage(fixture, { windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 0 as ChunkId });
  chunk0 = await lakeLedgers(fixture, 0);
  hotLedgers = (await lakeLedgers(fixture, 1)).slice(0, HOT_LEDGERS);
  foreign = foreignLedgers({ chunkId: 0, count: FOREIGN_LEDGERS, seed: 9090 });
  ingestHotChunk(fixture, 0, foreign);
  ingestHotChunk(fixture, 1, hotLedgers);
}, 90_000);

afterAll(() => removeStoreFixture(fixture));

function withHotTier(use: (tier: ReturnType<typeof openHotTier>) => void): void {
  const tier = openHotTier(storeCatalog(fixture));
  try {
    use(tier);
  } finally {
    tier.close();
  }
}

describe("HotTier.ledger()", () => {
  test("returns exactly the ingested bytes of every committed ledger of a ready chunk, and nothing past them", () => {
    withHotTier((tier) => {
      hotLedgers.forEach((lcm, index) => {
        const ledgerSeq = (chunkFirstLedger(1 as ChunkId) + index) as LedgerSeq;
        expect(Buffer.from(tier.ledger(ledgerSeq)!).equals(Buffer.from(lcm))).toBe(true);
      });
      expect(tier.ledger((chunkFirstLedger(1 as ChunkId) + HOT_LEDGERS) as LedgerSeq)).toBeUndefined();
      expect(tier.ledger(chunkFirstLedger(2 as ChunkId))).toBeUndefined();
      expect(tier.ledger(1 as LedgerSeq)).toBeUndefined();
    });
  });

  test("leaves a chunk whose ledgers are frozen to the cold tier, although its ready hot DB holds other bytes", () => {
    withHotTier((tier) => {
      expect(tier.ledger(2 as LedgerSeq)).toBeUndefined();
      const coldTier = openColdTier(storeCatalog(fixture));
      try {
        const served = readLedger([tier, coldTier], 2 as LedgerSeq, GENESIS_FLOOR)!;
        expect(Buffer.from(served).equals(Buffer.from(chunk0[0]!))).toBe(true);
        expect(Buffer.from(served).equals(Buffer.from(foreign[0]!))).toBe(false);
      } finally {
        coldTier.close();
      }
    });
  });

  test("does not read a chunk whose hot key is transient", () => {
    plantCatalogValue(fixture, hotKey(1 as ChunkId), "transient");
    try {
      withHotTier((tier) => {
        expect(tier.readyChunkIds).toEqual([0 as ChunkId]);
        expect(tier.ledger(chunkFirstLedger(1 as ChunkId))).toBeUndefined();
        const tx = txsOf(hotLedgers)[0]!;
        expect([...tier.txCandidates(tx.hash)]).toEqual([]);
      });
    } finally {
      plantCatalogValue(fixture, hotKey(1 as ChunkId), "ready");
    }
  });

  test("reports a ready key whose directory is missing as ReadyHotDbMissingError naming the key and the directory", () => {
    plantCatalogValue(fixture, hotKey(5 as ChunkId), "ready");
    try {
      withHotTier((tier) => {
        const read = () => tier.ledger(chunkFirstLedger(5 as ChunkId));
        expect(read).toThrow(ReadyHotDbMissingError);
        expect(read).toThrow(`"${hotKey(5 as ChunkId)}" is ready but the directory is missing`);
        expect(read).toThrow(fixture.layout.hotDbDir(5 as ChunkId));
      });
    } finally {
      deleteKey(storeCatalog(fixture).db, new TextEncoder().encode(hotKey(5 as ChunkId)), { sync: true });
    }
  });
  test("reports a ready DB whose files a discard is removing (CURRENT gone, directory still there) as ReadyHotDbMissingError", () => {
    const chunkId = 6 as ChunkId;
    ingestHotChunk(fixture, chunkId, foreignLedgers({ chunkId, count: 3, seed: 66 }));
    try {
      rmSync(join(fixture.layout.hotDbDir(chunkId), "CURRENT"));
      withHotTier((tier) => {
        const read = () => tier.ledger(chunkFirstLedger(chunkId));
        expect(read).toThrow(ReadyHotDbMissingError);
        expect(read).toThrow(`"${hotKey(chunkId)}" is ready but its files are missing`);
        expect(read).toThrow(fixture.layout.hotDbDir(chunkId));
      });
    } finally {
      rmSync(fixture.layout.hotDbDir(chunkId), { recursive: true, force: true });
      deleteKey(storeCatalog(fixture).db, new TextEncoder().encode(hotKey(chunkId)), { sync: true });
    }
  });
});

describe("HotTier.txCandidates()", () => {
  test("proposes the ledger of every outer and inner hash committed in the live hot DB", () => {
    const txs = txsOf(hotLedgers);
    expect(txs.length).toBeGreaterThan(0);
    expect(txs.some((tx) => tx.innerHash !== undefined)).toBe(true);
    withHotTier((tier) => {
      for (const tx of txs) {
        expect([...tier.txCandidates(tx.hash)]).toEqual([tx.ledgerSeq]);
        if (tx.innerHash !== undefined) expect([...tier.txCandidates(tx.innerHash)]).toEqual([tx.ledgerSeq]);
      }
      expect([...tier.txCandidates(new Uint8Array(32).fill(0x5a))]).toEqual([]);
    });
  });

  test("does not probe a chunk its window's frozen coverage holds: the .idx answers for it", () => {
    const foreignTx = txsOf(foreign)[0]!;
    withHotTier((tier) => {
      expect([...tier.txCandidates(foreignTx.hash)]).toEqual([]);
    });
  });

  test("lets findTransaction verify a hot transaction and a cold one through [hot, cold]", () => {
    const hotTx = txsOf(hotLedgers).at(-1)!;
    const coldTx = txsOf(chunk0).at(-1)!;
    withHotTier((tier) => {
      const coldTier = openColdTier(storeCatalog(fixture));
      try {
        expect(findTransaction([tier, coldTier], hotTx.hash, { floor: GENESIS_FLOOR, networkId })?.ledgerSeq).toBe(hotTx.ledgerSeq);
        expect(findTransaction([tier, coldTier], coldTx.hash, { floor: GENESIS_FLOOR, networkId })?.ledgerSeq).toBe(coldTx.ledgerSeq);
      } finally {
        coldTier.close();
      }
    });
  });
});

describe("the retention gate over the hot tier", () => {
  test("does not serve a hot ledger or a hot transaction below the floor, although the hot DB holds them", () => {
    const hotTx = txsOf(hotLedgers).at(-1)!;
    const floor = { floorLedgerSeq: chunkFirstLedger(2 as ChunkId), floorChunkId: 2 as ChunkId };
    withHotTier((tier) => {
      expect(tier.ledger(hotTx.ledgerSeq)).toBeDefined();
      expect(readLedger([tier], hotTx.ledgerSeq, floor)).toBeUndefined();
      expect(findTransaction([tier], hotTx.hash, { floor, networkId })).toBeUndefined();
    });
  });
});

describe("HotTier.probe()", () => {
  test("gives lastCommittedLedger the live hot DB's last ledger and leaves the handle open for reads", () => {
    const lastHotLedgerSeq = chunkFirstLedger(1 as ChunkId) + HOT_LEDGERS - 1;
    withHotTier((tier) => {
      expect(lastCommittedLedger(storeCatalog(fixture), tier.probe())).toBe(lastHotLedgerSeq as LedgerSeq);
      expect(tier.maxCommittedLedger(1 as ChunkId)).toBe(lastHotLedgerSeq as LedgerSeq);
      expect(Buffer.from(tier.ledger(lastHotLedgerSeq as LedgerSeq)!).equals(Buffer.from(hotLedgers.at(-1)!))).toBe(true);
    });
  });
});

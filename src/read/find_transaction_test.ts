import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FeeBumpTransaction, TransactionBuilder, xdr } from "@stellar/stellar-base";
import { type ChunkId, type LedgerSeq, type WindowId, chunkFirstLedger } from "../geometry/chunk.ts";
import { networkIdOf } from "../xdr/network_id.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import {
  createStoreFixture,
  freezeChunksFromLake,
  freezeCoverage,
  lakeLedgers,
  removeStoreFixture,
  type StoreFixture,
  storeCatalog,
  TEST_PASSPHRASE,
} from "../../test/support/read_store.ts";
import { type ColdTier, openColdTier } from "./cold_tier.ts";
import { findTransaction } from "./find_transaction.ts";
import type { ReadTier } from "./read_tier.ts";

// Two frozen chunks of a sparse lake, one coverage [0, 1] of window 0 (production geometry).
let fixture: StoreFixture;
let tier: ColdTier;
const networkId = networkIdOf(TEST_PASSPHRASE);
const GENESIS_FLOOR = { floorLedgerSeq: 2 as LedgerSeq, floorChunkId: 0 as ChunkId };

interface KnownTx {
  ledgerSeq: number;
  applicationOrder: number;
  hash: Uint8Array;
  innerHash: Uint8Array | undefined;
  failed: boolean;
}
const known: KnownTx[] = [];

beforeAll(async () => {
  fixture = await createStoreFixture({ lastChunkId: 1, chunksPerWindow: 1000, seed: 11 });
  await freezeChunksFromLake(fixture, { lo: 0, hi: 1 });
  freezeCoverage(fixture, { windowId: 0 as WindowId, lo: 0 as ChunkId, hi: 1 as ChunkId });
  for (const chunkId of [0, 1]) {
    for (const lcm of await lakeLedgers(fixture, chunkId)) {
      const view = walkLedger(lcm);
      view.transactions.forEach((tx, txIndex) => {
        known.push({
          ledgerSeq: view.ledgerSeq,
          applicationOrder: txIndex + 1,
          hash: lcm.slice(tx.hashOffset, tx.hashOffset + 32),
          innerHash: tx.innerHashOffset === undefined ? undefined : lcm.slice(tx.innerHashOffset, tx.innerHashOffset + 32),
          failed: tx.failed,
        });
      });
    }
  }
  tier = openColdTier(storeCatalog(fixture));
}, 60_000);

afterAll(() => {
  tier.close();
  removeStoreFixture(fixture);
});

function feeBump(): KnownTx {
  const found = known.find((tx) => tx.innerHash !== undefined);
  expect(found).toBeDefined();
  return found!;
}

describe("findTransaction()", () => {
  test("finds every transaction of both chunks by its outer hash, at its ledger and apply position", () => {
    expect(known.length).toBeGreaterThan(100);
    for (const tx of known) {
      const found = findTransaction([tier], tx.hash, { floor: GENESIS_FLOOR, networkId });
      expect(found?.ledgerSeq).toBe(tx.ledgerSeq as LedgerSeq);
      expect(found?.applicationOrder).toBe(tx.applicationOrder);
      expect(found?.matchedInnerHash).toBe(false);
      expect(found?.successful).toBe(!tx.failed);
    }
  });

  test("finds a fee bump by its inner hash and reports the outer hash and the inner match", () => {
    const tx = feeBump();
    const found = findTransaction([tier], tx.innerHash!, { floor: GENESIS_FLOOR, networkId });
    expect(found?.ledgerSeq).toBe(tx.ledgerSeq as LedgerSeq);
    expect(found?.matchedInnerHash).toBe(true);
    expect(found?.feeBump).toBe(true);
    expect(Buffer.from(found!.txHash).equals(Buffer.from(tx.hash))).toBe(true);
    expect(Buffer.from(found!.innerTxHash!).equals(Buffer.from(tx.innerHash!))).toBe(true);
  });

  test("returns the envelope that hashes to the tx (stellar-base oracle), and its result and meta XDR", () => {
    for (const tx of [known[0]!, feeBump()]) {
      const found = findTransaction([tier], tx.hash, { floor: GENESIS_FLOOR, networkId })!;
      const envelope = TransactionBuilder.fromXDR(Buffer.from(found.envelopeXdr).toString("base64"), TEST_PASSPHRASE);
      expect(envelope.hash().toString("hex")).toBe(Buffer.from(tx.hash).toString("hex"));
      expect(found.feeBump).toBe(envelope instanceof FeeBumpTransaction);
      expect(xdr.TransactionResult.fromXDR(Buffer.from(found.resultXdr)).feeCharged().toBigInt()).toBeGreaterThan(0n);
      expect(xdr.TransactionMeta.fromXDR(Buffer.from(found.resultMetaXdr)).switch()).toBeGreaterThanOrEqual(0);
    }
  });

  test("rejects a colliding candidate: a hash that shares the indexed bits of a real one is not found", () => {
    const tx = known[known.length - 1]!;
    const colliding = tx.hash.slice();
    colliding[31]! ^= 0xff; // the .idx keeps at most the top 48 bits: byte 31 is never indexed
    const candidates = [...tier.txCandidates(colliding)];
    expect(candidates).toContain(tx.ledgerSeq as LedgerSeq); // the planted candidate is proposed…
    expect(findTransaction([tier], colliding, { floor: GENESIS_FLOOR, networkId })).toBeUndefined(); // …and refused
  });

  test("misses a hash no ledger holds", () => {
    const absent = new Uint8Array(32).fill(0x5a);
    expect(findTransaction([tier], absent, { floor: GENESIS_FLOOR, networkId })).toBeUndefined();
  });

  test("skips candidates below the retention floor even though their files exist", () => {
    const tx = known.find((candidate) => candidate.ledgerSeq < chunkFirstLedger(1 as ChunkId))!;
    const floor = { floorLedgerSeq: chunkFirstLedger(1 as ChunkId), floorChunkId: 1 as ChunkId };
    expect(findTransaction([tier], tx.hash, { floor, networkId })).toBeUndefined();
  });

  test("asks the next tier for a candidate's ledger when the proposing tier has none", () => {
    const tx = known[0]!;
    const proposer: ReadTier = { name: "proposer", ledger: () => undefined, txCandidates: () => [tx.ledgerSeq as LedgerSeq], close: () => {} };
    const found = findTransaction([proposer, tierWithoutCandidates(tier)], tx.hash, { floor: GENESIS_FLOOR, networkId });
    expect(found?.ledgerSeq).toBe(tx.ledgerSeq as LedgerSeq);
  });

  test("fails pairing under another network's passphrase, naming the ledger", () => {
    const tx = known[0]!;
    const otherNetwork = networkIdOf("Public Global Stellar Network ; September 2015");
    expect(() => findTransaction([tier], tx.hash, { floor: GENESIS_FLOOR, networkId: otherNetwork })).toThrow(
      `ledger ${tx.ledgerSeq}`,
    );
  });
});

/** `tier`'s ledgers without its candidates: proves the candidate came from the other tier. */
function tierWithoutCandidates(inner: ReadTier): ReadTier {
  return { name: "ledgers-only", ledger: (ledgerSeq) => inner.ledger(ledgerSeq), txCandidates: () => [], close: () => {} };
}

/**
 * Fuzz tests of `src/xdr` on damaged ledgers (lake-and-xdr §5; style R4: bytes read back are
 * input). Claims: no input makes a reader crash with anything but an XdrError, read out of
 * bounds, or hang; a strict prefix of a ledger is always rejected (XDR is self-delimiting); and a
 * mutant the walker accepts is one stellar-base also decodes, with the walk matching that decode
 * exactly (and a mutant stellar-base rejects, the walker rejects too, but for one documented
 * stricter check); envelope pairing on an accepted mutant pairs or fails with a named error. The
 * mutations are seeded, so a failure reproduces.
 */

import { describe, expect, test } from "bun:test";
import { xdr } from "@stellar/stellar-base";
import { splitLedgerBatch } from "../src/xdr/ledger_close_meta_batch.ts";
import { ledgerSeqOf } from "../src/xdr/ledger_seq_of.ts";
import { networkIdOf } from "../src/xdr/network_id.ts";
import { EnvelopePairingError, pairEnvelopes } from "../src/xdr/pair_envelopes.ts";
import { type ByteRange, type LedgerView, walkLedger } from "../src/xdr/walk_ledger.ts";
import { XdrError } from "../src/xdr/xdr_error.ts";
import { expectedFixture, fixtureLedgers, fixturePath, readBatchObject } from "./support/fixtures.ts";
import { expectMatchesOracle } from "./support/xdr_oracle.ts";

/** mulberry32: a small seeded PRNG, so every mutation is reproducible from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Runs `read`; returns its result, or undefined when it threw an XdrError (anything else fails the test). */
function acceptedOrXdrError<T>(read: () => T): T | undefined {
  const outcome = outcomeOf(read);
  return "error" in outcome ? undefined : outcome.value;
}

/** Runs `read`: its value, or the XdrError it threw (anything else fails the test). */
function outcomeOf<T>(read: () => T): { value: T } | { error: XdrError } {
  try {
    return { value: read() };
  } catch (err) {
    if (err instanceof XdrError) return { error: err };
    throw err;
  }
}

/**
 * The one check the walker makes that js-xdr does not: a close time must fit a JS number (and so
 * the payload's i64, reference §8.5); 2^53 seconds is 285 million years away.
 */
const STRICTER_THAN_JS_XDR = "LedgerHeader closeTime exceeds 2^53 - 1";

function stellarBaseAccepts(bytes: Uint8Array): boolean {
  try {
    xdr.LedgerCloseMeta.fromXDR(Buffer.from(bytes));
    return true;
  } catch {
    // the oracle's verdict is the boolean; any js-xdr failure means "rejected"
    return false;
  }
}

/** Every range the walk returns lies inside the buffer and inside the range that contains it. */
function expectStructurallyValid(view: LedgerView): void {
  const length = view.bytes.length;
  let previousMetaEnd = view.txSet.byteOffset + view.txSet.byteLength;
  for (const tx of view.transactions) {
    expect(tx.hashOffset).toBeGreaterThanOrEqual(previousMetaEnd);
    expect(tx.result.byteOffset).toBe(tx.hashOffset + 32);
    expect(tx.meta.byteOffset).toBeGreaterThanOrEqual(tx.result.byteOffset + tx.result.byteLength);
    previousMetaEnd = tx.meta.byteOffset + tx.meta.byteLength;
    expect(previousMetaEnd).toBeLessThanOrEqual(length);
  }
  for (const event of view.events) {
    const meta = view.transactions[event.txIndex]!.meta;
    expect(event.byteOffset).toBeGreaterThan(meta.byteOffset);
    expect(event.byteOffset + event.byteLength).toBeLessThanOrEqual(meta.byteOffset + meta.byteLength);
    expect(event.topics.length).toBe(Math.min(event.topicCount, 4));
    for (const topic of event.topics) {
      expect(topic.byteOffset).toBeGreaterThan(event.byteOffset);
      expect(topic.byteOffset + topic.byteLength).toBeLessThan(event.byteOffset + event.byteLength);
    }
  }
}

/** A mutated ledger's envelopes pair (every range inside the tx set) or fail with a named error. */
function expectPairsOrFailsCleanly(view: LedgerView, networkId: Uint8Array): void {
  let envelopes: ByteRange[];
  try {
    envelopes = pairEnvelopes(view, networkId);
  } catch (err) {
    if (err instanceof EnvelopePairingError || err instanceof XdrError) return;
    throw err;
  }
  expect(envelopes).toHaveLength(view.transactions.length);
  for (const envelope of envelopes) {
    expect(envelope.byteOffset).toBeGreaterThan(view.txSet.byteOffset);
    expect(envelope.byteOffset + envelope.byteLength).toBeLessThanOrEqual(view.txSet.byteOffset + view.txSet.byteLength);
  }
}

/** Small ledgers covering LCM V0 (pubnet), V1 (testnet 997), V2 with fee bumps and tx-level events, V2 Soroban. */
function smallLedgers(): { name: string; bytes: Uint8Array; networkId: Uint8Array }[] {
  const pick = (fixture: string, index: number) => ({
    name: `${fixture}[${index}]`,
    bytes: fixtureLedgers(expectedFixture(fixture))[index]!,
    networkId: networkIdOf(expectedFixture(fixture).networkPassphrase),
  });
  return [
    pick("pubnet-ttp-5-ledgers", 1),
    pick("testnet-997", 0),
    pick("testnet-848581-v2", 0),
    pick("testnet-848582-v2", 0),
  ];
}

describe("truncation", () => {
  test.each(smallLedgers().map((ledger) => [ledger.name, ledger.bytes] as const))(
    "walkLedger() rejects every strict prefix of %s with an XdrError",
    (_name, bytes) => {
      let rejected = 0;
      for (let length = 0; length < bytes.length; length++) {
        const prefix = bytes.subarray(0, length);
        if (acceptedOrXdrError(() => walkLedger(prefix)) === undefined) rejected++;
      }
      expect(rejected).toBe(bytes.length);
    },
    60_000,
  );

  test("ledgerSeqOf() returns the right seq or an XdrError for every prefix", () => {
    const bytes = fixtureLedgers(expectedFixture("testnet-848581-v2"))[0]!;
    for (let length = 0; length <= bytes.length; length++) {
      const seq = acceptedOrXdrError(() => ledgerSeqOf(bytes.subarray(0, length)));
      if (seq !== undefined) expect<number>(seq).toBe(848581);
    }
  });

  test("splitLedgerBatch() rejects every strict prefix of a Galexie object", () => {
    const bytes = readBatchObject(fixturePath(expectedFixture("testnet-848582-v2").file));
    let rejected = 0;
    for (let length = 0; length < bytes.length; length++) {
      if (acceptedOrXdrError(() => splitLedgerBatch(bytes.subarray(0, length))) === undefined) rejected++;
    }
    expect(rejected).toBe(bytes.length);
  });
});

describe("bit flips", () => {
  const FLIPS_PER_LEDGER = 1000;

  test.each(smallLedgers().map((ledger, index) => [ledger.name, ledger, index] as const))(
    "walkLedger() on %s accepts exactly the mutants stellar-base decodes, and then matches it",
    (_name, ledger, seed) => {
      const original = ledger.bytes;
      const random = seededRandom(seed + 1);
      let accepted = 0;
      for (let flip = 0; flip < FLIPS_PER_LEDGER; flip++) {
        const bytes = new Uint8Array(original);
        const bitIndex = Math.floor(random() * bytes.length * 8);
        bytes[bitIndex >> 3]! ^= 1 << (bitIndex & 7);
        const outcome = outcomeOf(() => walkLedger(bytes));
        if ("error" in outcome) {
          if (stellarBaseAccepts(bytes)) expect({ bitIndex, detail: outcome.error.detail }).toEqual({ bitIndex, detail: STRICTER_THAN_JS_XDR });
          continue;
        }
        expect({ bitIndex, stellarBaseAccepts: stellarBaseAccepts(bytes) }).toEqual({ bitIndex, stellarBaseAccepts: true });
        const view = outcome.value;
        accepted++;
        expectStructurallyValid(view);
        expectMatchesOracle(view, bytes);
        expectPairsOrFailsCleanly(view, ledger.networkId);
      }
      // Flips inside hashes, amounts and keys stay valid: both outcomes must have been exercised.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(FLIPS_PER_LEDGER);
    },
    120_000,
  );

  test("walkLedger() survives random byte runs overwritten in a dense v25 ledger", () => {
    const original = fixtureLedgers(expectedFixture("synthetic-v25"))[0]!;
    const random = seededRandom(25);
    let rejected = 0;
    const mutants = 300;
    for (let mutant = 0; mutant < mutants; mutant++) {
      const bytes = new Uint8Array(original);
      const start = Math.floor(random() * bytes.length);
      const runBytes = 1 + Math.floor(random() * 16);
      for (let offset = start; offset < Math.min(bytes.length, start + runBytes); offset++) {
        bytes[offset] = Math.floor(random() * 256);
      }
      const view = acceptedOrXdrError(() => walkLedger(bytes));
      if (view === undefined) rejected++;
      else expectStructurallyValid(view);
    }
    expect(rejected).toBeGreaterThan(0);
  }, 120_000);
});

describe("length-field bumps", () => {
  /** Values a hostile u32 length, count or discriminant takes: sign bit, u32 max, past any buffer, off by one, off by a word. */
  function bumpsOf(word: number): number[] {
    return [0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x1000_0000, (word + 1) >>> 0, (word - 1) >>> 0, (word + 4) >>> 0];
  }

  test.each(smallLedgers().slice(1).map((ledger) => [ledger.name, ledger] as const))(
    "walkLedger() on %s with any aligned word bumped accepts exactly the mutants stellar-base decodes, and then matches it",
    (_name, ledger) => {
      const original = ledger.bytes;
      let accepted = 0;
      let rejected = 0;
      for (let byteOffset = 0; byteOffset + 4 <= original.length; byteOffset += 4) {
        const word = new DataView(original.buffer, original.byteOffset, original.byteLength).getUint32(byteOffset);
        for (const bumped of bumpsOf(word)) {
          const bytes = new Uint8Array(original);
          new DataView(bytes.buffer).setUint32(byteOffset, bumped);
          const outcome = outcomeOf(() => walkLedger(bytes));
          if ("error" in outcome) {
            rejected++;
            expect(outcome.error.byteOffset).toBeLessThanOrEqual(bytes.length);
            if (stellarBaseAccepts(bytes)) expect({ byteOffset, bumped, detail: outcome.error.detail }).toEqual({ byteOffset, bumped, detail: STRICTER_THAN_JS_XDR });
            continue;
          }
          accepted++;
          expect({ byteOffset, bumped, stellarBaseAccepts: stellarBaseAccepts(bytes) }).toEqual({ byteOffset, bumped, stellarBaseAccepts: true });
          expectStructurallyValid(outcome.value);
          expectMatchesOracle(outcome.value, bytes);
          expectPairsOrFailsCleanly(outcome.value, ledger.networkId);
        }
      }
      expect(accepted).toBeGreaterThan(0);
      expect(rejected).toBeGreaterThan(0);
    },
    120_000,
  );
});

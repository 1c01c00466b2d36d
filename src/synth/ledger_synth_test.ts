import { describe, expect, test } from "bun:test";
import { FeeBumpTransaction, TransactionBuilder, xdr } from "@stellar/stellar-base";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { expectMatchesOracle, hex } from "../../test/support/xdr_oracle.ts";
import { LedgerSynth, SYNTH_PROTOCOL_VERSION, type SynthLedger } from "./ledger_synth.ts";
import { SYNTH_PROFILE_NAMES } from "./synth_profile.ts";

const PASSPHRASE = "Test SDF Network ; September 2015";
const SAMPLE = { dense: [1000], mixed: [2, 3, 50, 51, 52, 53, 54, 55, 77, 10_001], sparse: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };

function ledgersOf(profile: (typeof SYNTH_PROFILE_NAMES)[number], seed = 5): SynthLedger[] {
  const synth = new LedgerSynth({ seed, profile, networkPassphrase: PASSPHRASE });
  return SAMPLE[profile].map((seq) => synth.generate(seq as LedgerSeq));
}

/** Every envelope of a GeneralizedTransactionSet, in set order (phases, components, stages, clusters). */
function envelopesOf(txSet: xdr.GeneralizedTransactionSet): xdr.TransactionEnvelope[] {
  const envelopes: xdr.TransactionEnvelope[] = [];
  for (const phase of txSet.v1TxSet().phases()) {
    if (phase.switch() === 0) {
      for (const component of phase.v0Components()) envelopes.push(...component.txsMaybeDiscountedFee().txes());
    } else {
      for (const stage of phase.parallelTxsComponent().executionStages()) for (const cluster of stage) envelopes.push(...cluster);
    }
  }
  return envelopes;
}

describe.each(SYNTH_PROFILE_NAMES)("LedgerSynth profile %s", (profile) => {
  const ledgers = ledgersOf(profile);

  test("generate() gives identical bytes for the same seed and seq, from a fresh generator", () => {
    const again = ledgersOf(profile);
    for (const [index, ledger] of ledgers.entries()) expect(Buffer.compare(ledger.lcm, again[index]!.lcm)).toBe(0);
  });

  test("generate() gives other bytes for another seed", () => {
    const reseeded = ledgersOf(profile, 6);
    const differing = ledgers.filter((ledger, index) => Buffer.compare(ledger.lcm, reseeded[index]!.lcm) !== 0);
    expect(differing.length).toBe(ledgers.length);
  });

  test("every ledger decodes with stellar-base as LCM V2 and re-encodes to the same bytes", () => {
    for (const { lcm, summary } of ledgers) {
      const decoded = xdr.LedgerCloseMeta.fromXDR(Buffer.from(lcm));
      expect(decoded.switch()).toBe(2);
      const header = decoded.v2().ledgerHeader().header();
      expect(header.ledgerSeq()).toBe(summary.seq);
      expect(header.ledgerVersion()).toBe(SYNTH_PROTOCOL_VERSION);
      expect(Number(header.scpValue().closeTime().toString())).toBe(summary.closeTime);
      expect(hex(decoded.toXDR())).toBe(hex(lcm));
    }
  });

  test("every envelope hashes to its result hash under the passphrase, and fee-bump inner hashes match", () => {
    for (const { lcm, summary } of ledgers) {
      const v2 = xdr.LedgerCloseMeta.fromXDR(Buffer.from(lcm)).v2();
      const results = v2.txProcessing().map((meta) => meta.result());
      expect(results.map((pair) => hex(pair.transactionHash()))).toEqual(summary.txHashes.map(hex));
      const innerByOuter = new Map<string, string>();
      for (const envelope of envelopesOf(v2.txSet())) {
        const tx = TransactionBuilder.fromXDR(envelope, PASSPHRASE);
        const outer = hex(tx.hash());
        innerByOuter.set(outer, tx instanceof FeeBumpTransaction ? hex(tx.innerTransaction.hash()) : "");
      }
      expect([...innerByOuter.keys()].sort()).toEqual(summary.txHashes.map(hex).sort());
      const innerHashes: string[] = [];
      for (const pair of results) {
        const code = pair.result().result().switch().value;
        const expectedInner = innerByOuter.get(hex(pair.transactionHash()));
        if (code === 1 || code === -13) {
          const inner = hex(pair.result().result().innerResultPair().transactionHash());
          expect(inner).toBe(expectedInner!);
          innerHashes.push(inner);
        } else {
          expect(expectedInner).toBe("");
        }
      }
      expect(innerHashes).toEqual(summary.innerHashes.map(hex));
    }
  });

  test("summary counts are what stellar-base finds: failures, Soroban txs, contract, tx-level and diagnostic events", () => {
    for (const { lcm, summary } of ledgers) {
      const metas = xdr.LedgerCloseMeta.fromXDR(Buffer.from(lcm)).v2().txProcessing();
      let failed = 0;
      let soroban = 0;
      let contractEvents = 0;
      let txLevelEvents = 0;
      let diagnosticEvents = 0;
      for (const meta of metas) {
        const code = meta.result().result().result().switch().value;
        if (code !== 0 && code !== 1) failed++;
        const v4 = meta.txApplyProcessing().v4();
        if (v4.sorobanMeta() !== undefined && v4.sorobanMeta() !== null) soroban++;
        for (const operation of v4.operations()) contractEvents += operation.events().length;
        txLevelEvents += v4.events().length;
        diagnosticEvents += v4.diagnosticEvents().length;
      }
      expect({ failed, soroban, contractEvents, txLevelEvents, diagnosticEvents }).toEqual({
        failed: summary.failedTxCount,
        soroban: summary.sorobanTxCount,
        contractEvents: summary.contractEventCount,
        txLevelEvents: summary.txLevelEventCount,
        diagnosticEvents: summary.diagnosticEventCount,
      });
    }
  });

  test("walkLedger() agrees with stellar-base on every generated ledger", () => {
    for (const { lcm } of ledgers) expectMatchesOracle(walkLedger(lcm), lcm);
  });
});

describe("LedgerSynth shapes", () => {
  test("dense ledgers are about the size and shape of the synthetic v25 fixture", () => {
    const [ledger] = ledgersOf("dense");
    expect(ledger!.lcm.length).toBeGreaterThan(700_000);
    expect(ledger!.lcm.length).toBeLessThan(1_400_000);
    expect(ledger!.summary.txHashes.length).toBeGreaterThanOrEqual(240);
    expect(ledger!.summary.contractEventCount / ledger!.summary.txHashes.length).toBeGreaterThan(4);
  });

  test("mixed ledgers have fee bumps, failures, topics repeated across events and some ledger variety", () => {
    const synth = new LedgerSynth({ seed: 5, profile: "mixed", networkPassphrase: PASSPHRASE });
    const summaries = Array.from({ length: 40 }, (_, index) => synth.generate((100 + index) as LedgerSeq));
    expect(summaries.some(({ summary }) => summary.txHashes.length === 0)).toBe(true);
    expect(summaries.reduce((sum, { summary }) => sum + summary.innerHashes.length, 0)).toBeGreaterThan(0);
    expect(summaries.reduce((sum, { summary }) => sum + summary.failedTxCount, 0)).toBeGreaterThan(0);
    const topicCounts = new Map<string, number>();
    for (const { lcm } of summaries) {
      const view = walkLedger(lcm);
      for (const event of view.events) {
        for (const topic of event.topics) {
          const key = hex(lcm.subarray(topic.byteOffset, topic.byteOffset + topic.byteLength));
          topicCounts.set(key, (topicCounts.get(key) ?? 0) + 1);
        }
      }
    }
    const repeated = [...topicCounts.values()].filter((count) => count >= 10);
    expect(repeated.length).toBeGreaterThan(5);
  });

  test("LedgerSynth rejects a negative seed", () => {
    expect(() => new LedgerSynth({ seed: -1, profile: "mixed", networkPassphrase: PASSPHRASE })).toThrow(/seed -1/);
  });
});

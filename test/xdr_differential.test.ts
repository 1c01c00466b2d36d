/**
 * Differential test of `src/xdr` against `@stellar/stellar-base@15.0.0` (js-xdr, the oracle) and
 * `expected.json`, on every ledger fixture (lake-and-xdr §3.6, §6). For each ledger: header fields,
 * tx count, every hash and inner hash in apply order, result codes and failed count, result and
 * meta byte ranges, TxMeta versions, every event (raw bytes, contract id, topics, cursor fields
 * under the emission rule of reference §9.3, re-derived here from stellar-base's own decode), and
 * envelope pairing (each envelope re-hashed by stellar-base under the fixture's passphrase).
 */

import { describe, expect, test } from "bun:test";
import { FeeBumpTransaction, TransactionBuilder, xdr } from "@stellar/stellar-base";
import {
  type ExpectedLedger,
  expectedFixture,
  expectedFixtures,
  fixtureLedgers,
  toHex,
} from "./support/fixtures.ts";
import { networkIdOf } from "../src/xdr/network_id.ts";
import { EnvelopePairingError, pairEnvelopes } from "../src/xdr/pair_envelopes.ts";
import {
  type ContractEventView,
  type LedgerView,
  OP_IDX_AFTER_TX,
  sliceRange,
  TX_IDX_AFTER_ALL_TXS,
  walkLedger,
} from "../src/xdr/walk_ledger.ts";

const TX_SUCCESS = 0;
const TX_FEE_BUMP_INNER_SUCCESS = 1;
const TX_FEE_BUMP_INNER_FAILED = -13;

/** One event as the oracle sees it: positioned by the emission rule, with stellar-base's decode. */
interface OracleEvent {
  stage: ContractEventView["stage"];
  txIndex: number;
  txIdx: number;
  opIdx: number;
  eventIdx: number;
  event: xdr.ContractEvent;
}

/** The emission rule of reference §9.3, applied to stellar-base's decode of `txProcessing`. */
function oracleEvents(txProcessing: (xdr.TransactionResultMeta | xdr.TransactionResultMetaV1)[]): OracleEvent[] {
  const beforeAllTxs: OracleEvent[] = [];
  const perTx: OracleEvent[] = [];
  const afterAllTxs: OracleEvent[] = [];
  txProcessing.forEach((resultMeta, txIndex) => {
    const meta = resultMeta.txApplyProcessing();
    const applyIdx = txIndex + 1;
    if (meta.switch() === 3) {
      const events = meta.v3().sorobanMeta()?.events() ?? [];
      events.forEach((event, eventIdx) => {
        perTx.push({ stage: "operation", txIndex, txIdx: applyIdx, opIdx: 0, eventIdx, event });
      });
    }
    if (meta.switch() !== 4) return;
    meta.v4().operations().forEach((operation, opIdx) => {
      operation.events().forEach((event, eventIdx) => {
        perTx.push({ stage: "operation", txIndex, txIdx: applyIdx, opIdx, eventIdx, event });
      });
    });
    let afterTxCount = 0;
    for (const txEvent of meta.v4().events()) {
      const event = txEvent.event();
      const stage = txEvent.stage().value;
      if (stage === 0) {
        beforeAllTxs.push({ stage: "beforeAllTxs", txIndex, txIdx: 0, opIdx: 0, eventIdx: beforeAllTxs.length, event });
      } else if (stage === 1) {
        perTx.push({ stage: "afterTx", txIndex, txIdx: applyIdx, opIdx: 4095, eventIdx: afterTxCount++, event });
      } else {
        afterAllTxs.push({ stage: "afterAllTxs", txIndex, txIdx: 1048575, opIdx: 0, eventIdx: afterAllTxs.length, event });
      }
    }
  });
  return [...beforeAllTxs, ...perTx, ...afterAllTxs];
}

function txProcessingOf(lcm: xdr.LedgerCloseMeta): (xdr.TransactionResultMeta | xdr.TransactionResultMetaV1)[] {
  switch (lcm.switch()) {
    case 0:
      return lcm.v0().txProcessing();
    case 1:
      return lcm.v1().txProcessing();
    default:
      return lcm.v2().txProcessing();
  }
}

function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

/** Compares the walk with stellar-base's decode of the same bytes. */
function expectMatchesOracle(view: LedgerView, lcmBytes: Uint8Array): void {
  const lcm = xdr.LedgerCloseMeta.fromXDR(Buffer.from(lcmBytes));
  const header = (lcm.value() as xdr.LedgerCloseMetaV0).ledgerHeader().header();
  expect(view.lcmVersion).toBe(lcm.switch());
  expect<number>(view.ledgerSeq).toBe(header.ledgerSeq());
  expect(view.closeTimeSec).toBe(Number(header.scpValue().closeTime().toString()));
  expect(view.protocolVersion).toBe(header.ledgerVersion());

  const txProcessing = txProcessingOf(lcm);
  expect(view.transactions).toHaveLength(txProcessing.length);
  txProcessing.forEach((resultMeta, txIndex) => {
    const tx = view.transactions[txIndex]!;
    const pair = resultMeta.result();
    const code = pair.result().result().switch().value;
    expect(hex(view.bytes.subarray(tx.hashOffset, tx.hashOffset + 32))).toBe(hex(pair.transactionHash()));
    expect(tx.resultCode).toBe(code);
    expect(tx.failed).toBe(code !== TX_SUCCESS && code !== TX_FEE_BUMP_INNER_SUCCESS);
    if (code === TX_FEE_BUMP_INNER_SUCCESS || code === TX_FEE_BUMP_INNER_FAILED) {
      const inner = pair.result().result().innerResultPair().transactionHash();
      expect(hex(view.bytes.subarray(tx.innerHashOffset!, tx.innerHashOffset! + 32))).toBe(hex(inner));
    } else {
      expect(tx.innerHashOffset).toBeUndefined();
    }
    expect(hex(sliceRange(view.bytes, tx.result))).toBe(hex(pair.result().toXDR()));
    expect(hex(sliceRange(view.bytes, tx.meta))).toBe(hex(resultMeta.txApplyProcessing().toXDR()));
    expect(tx.txMetaVersion).toBe(resultMeta.txApplyProcessing().switch());
  });

  const oracle = oracleEvents(txProcessing);
  expect(view.events).toHaveLength(oracle.length);
  oracle.forEach((want, index) => expectEventMatches(view, { got: view.events[index]!, want }));
}

function expectEventMatches(view: LedgerView, pair: { got: ContractEventView; want: OracleEvent }): void {
  const { got, want } = pair;
  expect({ stage: got.stage, txIndex: got.txIndex, txIdx: got.txIdx, opIdx: got.opIdx, eventIdx: got.eventIdx }).toEqual({
    stage: want.stage,
    txIndex: want.txIndex,
    txIdx: want.txIdx,
    opIdx: want.opIdx,
    eventIdx: want.eventIdx,
  });
  const raw = sliceRange(view.bytes, got);
  expect(hex(raw)).toBe(hex(want.event.toXDR()));
  expect(xdr.ContractEvent.fromXDR(Buffer.from(raw)).toXDR("hex")).toBe(hex(raw));
  const contractId = want.event.contractId();
  if (contractId === null || contractId === undefined) {
    expect(got.contractIdOffset).toBeUndefined();
  } else {
    // stellar-base types Hash as `Opaque[]` ("workaround, cause unknown" in its .d.ts); it is a Buffer.
    const contractIdBytes = contractId as unknown as Uint8Array;
    expect(hex(view.bytes.subarray(got.contractIdOffset!, got.contractIdOffset! + 32))).toBe(hex(contractIdBytes));
  }
  const topics = want.event.body().v0().topics();
  expect(got.topicCount).toBe(topics.length);
  expect(got.topics.map((topic) => hex(sliceRange(view.bytes, topic)))).toEqual(
    topics.slice(0, 4).map((topic) => hex(topic.toXDR())),
  );
}

/** The counts and hashes expected.json records for the ledger. */
function expectMatchesExpected(view: LedgerView, expected: ExpectedLedger): void {
  expect<number>(view.ledgerSeq).toBe(expected.seq);
  expect(view.closeTimeSec).toBe(expected.closeTime);
  expect(view.protocolVersion).toBe(expected.protocol);
  expect(view.lcmVersion).toBe(expected.lcmVersion);
  expect(view.transactions).toHaveLength(expected.txCount);
  expect(view.transactions.filter((tx) => tx.failed)).toHaveLength(expected.failed);
  const innerHashes = view.transactions.flatMap((tx) =>
    tx.innerHashOffset === undefined ? [] : [hex(view.bytes.subarray(tx.innerHashOffset, tx.innerHashOffset + 32))],
  );
  expect(innerHashes).toHaveLength(expected.feeBumps);
  const metaVersions: Record<string, number> = {};
  for (const tx of view.transactions) metaVersions[tx.txMetaVersion] = (metaVersions[tx.txMetaVersion] ?? 0) + 1;
  expect(metaVersions).toEqual(expected.txMetaVersions);
  expect(view.events.filter((event) => event.stage === "operation")).toHaveLength(expected.contractEvents);
  expect(view.events.filter((event) => event.stage !== "operation")).toHaveLength(expected.txLevelEvents);
  const hashes = view.transactions.map((tx) => hex(view.bytes.subarray(tx.hashOffset, tx.hashOffset + 32)));
  if (expected.hashes !== undefined) {
    expect(hashes).toEqual(expected.hashes);
    expect(innerHashes).toEqual(expected.innerHashes ?? []);
  } else {
    expect(hashes.slice(0, expected.firstHashes!.length)).toEqual(expected.firstHashes!);
    if (expected.txCount > 0) expect(hashes.at(-1)).toBe(expected.lastHash!);
  }
}

/** Pairs envelopes, then has stellar-base decode and re-hash each one (expected.json `envelopeHashCheck`). */
function expectEnvelopesPair(view: LedgerView, fixture: { expected: ExpectedLedger; passphrase: string }): void {
  const envelopes = pairEnvelopes(view, networkIdOf(fixture.passphrase));
  expect(envelopes).toHaveLength(view.transactions.length);
  let feeBumpEnvelopes = 0;
  envelopes.forEach((range, txIndex) => {
    const tx = view.transactions[txIndex]!;
    const envelope = xdr.TransactionEnvelope.fromXDR(Buffer.from(sliceRange(view.bytes, range)));
    const decoded = TransactionBuilder.fromXDR(envelope, fixture.passphrase);
    expect(hex(decoded.hash())).toBe(hex(view.bytes.subarray(tx.hashOffset, tx.hashOffset + 32)));
    if (decoded instanceof FeeBumpTransaction) {
      feeBumpEnvelopes++;
      if (tx.innerHashOffset !== undefined) {
        const innerHash = view.bytes.subarray(tx.innerHashOffset, tx.innerHashOffset + 32);
        expect(hex(decoded.innerTransaction.hash())).toBe(hex(innerHash));
      }
    }
  });
  expect(envelopes).toHaveLength(fixture.expected.envelopeHashCheck.matched);
  expect(feeBumpEnvelopes).toBe(fixture.expected.envelopeHashCheck.feeBumpEnvelopes);
}

describe.each(expectedFixtures().map((fixture) => [fixture.name, fixture] as const))("fixture %s", (_name, fixture) => {
  const ledgers = fixtureLedgers(fixture);

  test("walkLedger() agrees with expected.json on every ledger", () => {
    expect(ledgers).toHaveLength(fixture.ledgers.length);
    ledgers.forEach((bytes, index) => expectMatchesExpected(walkLedger(bytes), fixture.ledgers[index]!));
  });

  test("walkLedger() agrees with stellar-base on header, txs, ranges and every event", () => {
    for (const bytes of ledgers) expectMatchesOracle(walkLedger(bytes), bytes);
  }, 60_000);

  test("pairEnvelopes() pairs every envelope, which stellar-base re-hashes to its result hash", () => {
    ledgers.forEach((bytes, index) => {
      expectEnvelopesPair(walkLedger(bytes), { expected: fixture.ledgers[index]!, passphrase: fixture.networkPassphrase });
    });
  }, 60_000);
});

describe("emission order", () => {
  const fixture = expectedFixture("testnet-848581-v2");
  const original = fixtureLedgers(fixture)[0]!;

  test("the V2 testnet ledger's tx-level fee events are BeforeAllTxs, one per tx", () => {
    const view = walkLedger(original);
    expect(view.events.map((event) => [event.stage, event.txIdx, event.opIdx, event.eventIdx])).toEqual([
      ["beforeAllTxs", 0, 0, 0],
      ["beforeAllTxs", 0, 0, 1],
    ]);
  });

  // Rewriting the stage word of each TransactionEvent gives valid ledgers with every stage mix;
  // the oracle decodes each and positions events by the rule independently.
  const stageWordOffsets = walkLedger(original).events.map((event) => event.byteOffset - 4);
  const mixes = [0, 1, 2].flatMap((first) => [0, 1, 2].map((second) => [first, second]));

  test.each(mixes)("walkLedger() orders stages (%d, %d) as the oracle does", (first, second) => {
    const bytes = new Uint8Array(original);
    const view = new DataView(bytes.buffer);
    view.setUint32(stageWordOffsets[0]!, first!);
    view.setUint32(stageWordOffsets[1]!, second!);
    const walked = walkLedger(bytes);
    expectMatchesOracle(walked, bytes);
    for (const event of walked.events) {
      if (event.stage === "afterTx") expect(event.opIdx).toBe(OP_IDX_AFTER_TX);
      if (event.stage === "afterAllTxs") expect(event.txIdx).toBe(TX_IDX_AFTER_ALL_TXS);
    }
  });
});

describe("pairEnvelopes() failures", () => {
  test("rejects the wrong network passphrase, naming the ledger", () => {
    const fixture = expectedFixture("testnet-848581-v2");
    const view = walkLedger(fixtureLedgers(fixture)[0]!);
    const wrong = networkIdOf("Public Global Stellar Network ; September 2015");
    expect(() => pairEnvelopes(view, wrong)).toThrow(EnvelopePairingError);
    expect(() => pairEnvelopes(view, wrong)).toThrow(/ledger 848581: the envelope at byte offset \d+ hashes to [0-9a-f]{64}/);
  });

  test("rejects a result whose hash no envelope has", () => {
    const fixture = expectedFixture("testnet-997");
    const bytes = new Uint8Array(fixtureLedgers(fixture)[0]!);
    const view = walkLedger(bytes);
    bytes[view.transactions[0]!.hashOffset]! ^= 0xff;
    expect(() => pairEnvelopes(walkLedger(bytes), networkIdOf(fixture.networkPassphrase))).toThrow(
      "which no result carries",
    );
  });

  test("rejects a fee bump whose result names another inner hash", () => {
    const fixture = expectedFixture("testnet-848581-v2");
    const bytes = new Uint8Array(fixtureLedgers(fixture)[0]!);
    const innerHashOffset = walkLedger(bytes).transactions.find((tx) => tx.innerHashOffset !== undefined)!.innerHashOffset!;
    bytes[innerHashOffset]! ^= 0x01;
    expect(() => pairEnvelopes(walkLedger(bytes), networkIdOf(fixture.networkPassphrase))).toThrow(
      "fee bump's inner transaction hashes to",
    );
  });
});

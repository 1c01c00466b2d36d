/**
 * The test oracle for `src/xdr`: `@stellar/stellar-base@15.0.0` (js-xdr) decodes the same ledger
 * bytes and `expectMatchesOracle` compares the walk with it: header fields, every transaction's
 * hashes, result code, result and meta bytes, and every event (raw bytes, contract id, topics,
 * cursor fields), with the emission rule of reference §9.3 re-derived from stellar-base's objects.
 * Shared by the differential and fuzz tests.
 * @module
 */

import { expect } from "bun:test";
import { xdr } from "@stellar/stellar-base";
import { type ContractEventView, type LedgerView, sliceRange } from "../../src/xdr/walk_ledger.ts";
import { toHex } from "./fixtures.ts";

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

/** Lowercase hex, for readable diffs. */
export function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

/** Expects the walk to match stellar-base's decode of the same bytes, field by field and event by event. */
export function expectMatchesOracle(view: LedgerView, lcmBytes: Uint8Array): void {
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

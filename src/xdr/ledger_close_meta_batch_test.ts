import { describe, expect, test } from "bun:test";
import { encodeLedgerBatch, expectedFixture, fixtureLedgers, fixturePath, readBatchObject } from "../../test/support/fixtures.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { XdrError } from "./xdr_error.ts";
import { splitLedgerBatch } from "./ledger_close_meta_batch.ts";
import { ledgerSeqOf } from "./ledger_seq_of.ts";
import { walkLedger } from "./walk_ledger.ts";

const TESTNET_997 = "testnet-997-999-datastore/FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst";

/** Ledgers 997, 998, 999 (consecutive, LCM V1). */
function testnetLedgers(): Uint8Array[] {
  return ["testnet-997", "testnet-998", "testnet-999"].flatMap((name) => fixtureLedgers(expectedFixture(name)));
}

describe("splitLedgerBatch()", () => {
  test("splits a real single-ledger Galexie object into the LCM at byte 12", () => {
    const bytes = readBatchObject(fixturePath(TESTNET_997));
    const batch = splitLedgerBatch(bytes);
    expect<number>(batch.startSeq).toBe(997);
    expect<number>(batch.endSeq).toBe(997);
    expect(batch.ledgers).toHaveLength(1);
    expect(batch.ledgers[0]!.byteOffset).toBe(12);
    expect(batch.ledgers[0]!.length).toBe(bytes.length - 12);
    expect(batch.ledgers[0]!.buffer).toBe(bytes.buffer); // a view, not a copy
  });

  test("splits the V2 (protocol 23) Galexie objects", () => {
    for (const name of ["testnet-848581-v2", "testnet-848582-v2"]) {
      const fixture = expectedFixture(name);
      const batch = splitLedgerBatch(readBatchObject(fixturePath(fixture.file)));
      expect<number[]>(batch.ledgers.map(ledgerSeqOf)).toEqual([fixture.ledgers[0]!.seq]);
    }
  });

  test("splits a three-ledger batch back into the same bytes, in order", () => {
    const ledgers = testnetLedgers();
    const batch = splitLedgerBatch(encodeLedgerBatch({ startSeq: 997, endSeq: 999 }, ledgers));
    expect(batch.ledgers).toEqual(ledgers);
    expect<number[]>(batch.ledgers.map(ledgerSeqOf)).toEqual([997, 998, 999]);
  });

  test("walks each element once: walkLedger() of a returned ledger takes the split's view", () => {
    const ledgers = testnetLedgers();
    const batch = splitLedgerBatch(encodeLedgerBatch({ startSeq: 997, endSeq: 999 }, ledgers));
    const views = batch.ledgers.map((ledger) => walkLedger(ledger));
    expect(views.map((view) => view.bytes)).toEqual(batch.ledgers);
    views.forEach((view, index) => expect(view.bytes).toBe(batch.ledgers[index]!)); // the split's own view
    expect(views.map((view) => view.transactions.length)).toEqual(ledgers.map((ledger) => walkLedger(ledger).transactions.length));
  });

  test("rejects an element the walk refuses (an invalid TransactionMeta version), at its offset in the batch", () => {
    const ledgers = testnetLedgers().map((ledger) => new Uint8Array(ledger)); // copies (a Buffer's slice() is a view)
    const meta = walkLedger(ledgers[1]!).transactions[0]!.meta;
    new DataView(ledgers[1]!.buffer).setUint32(meta.byteOffset, 9);
    const error = thrownError(() => splitLedgerBatch(encodeLedgerBatch({ startSeq: 997, endSeq: 999 }, ledgers)), XdrError);
    expect(error.ledgerSeq).toBe(998);
    expect(error.detail).toBe("TransactionMeta has unknown version 9");
    expect(error.byteOffset).toBe(12 + ledgers[0]!.length + meta.byteOffset);
  });

  test("rejects a count that disagrees with the range", () => {
    const error = thrownError(() => splitLedgerBatch(encodeLedgerBatch({ startSeq: 997, endSeq: 1000 }, testnetLedgers())), XdrError);
    expect(error.detail).toContain("holds 3 ledgers, want 4");
    expect(error.byteOffset).toBe(8);
  });

  test("rejects endSequence before startSequence", () => {
    const error = thrownError(() => splitLedgerBatch(encodeLedgerBatch({ startSeq: 999, endSeq: 997 }, testnetLedgers())), XdrError);
    expect(error.detail).toContain("endSequence 997 is before startSequence 999");
  });

  test("rejects an element whose own header names another ledger, naming the ledger", () => {
    const error = thrownError(() => splitLedgerBatch(encodeLedgerBatch({ startSeq: 998, endSeq: 1000 }, testnetLedgers())), XdrError);
    expect(error.ledgerSeq).toBe(998);
    expect(error.detail).toContain("element 0 is ledger 997, want 998");
    expect(error.message).toContain("of ledger 998");
  });

  test("rejects bytes after the last ledger", () => {
    const bytes = encodeLedgerBatch({ startSeq: 997, endSeq: 999 }, testnetLedgers());
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    expect(thrownError(() => splitLedgerBatch(padded), XdrError).detail).toContain("4 bytes follow the last ledger");
  });

  test("rejects a batch cut inside its second ledger, naming that ledger", () => {
    const ledgers = testnetLedgers();
    const bytes = encodeLedgerBatch({ startSeq: 997, endSeq: 999 }, ledgers);
    const cut = 12 + ledgers[0]!.length + 1000;
    const error = thrownError(() => splitLedgerBatch(bytes.subarray(0, cut)), XdrError);
    expect(error.ledgerSeq).toBe(998);
    expect(error.byteOffset).toBeGreaterThanOrEqual(12 + ledgers[0]!.length);
    expect(error.byteOffset).toBeLessThanOrEqual(cut);
  });

  test("rejects a header shorter than 12 bytes", () => {
    expect(thrownError(() => splitLedgerBatch(new Uint8Array(11)), XdrError).detail).toContain("LedgerCloseMetaBatch is truncated");
  });

  test("rejects a count larger than the bytes could hold without looping over it", () => {
    const bytes = new Uint8Array(12); // a bare header: startSequence 0, endSequence 2^32 - 2, count 2^32 - 1
    new DataView(bytes.buffer).setUint32(4, 0xffff_fffe);
    new DataView(bytes.buffer).setUint32(8, 0xffff_ffff);
    expect(thrownError(() => splitLedgerBatch(bytes), XdrError).detail).toContain("more than its limit");
  });
});

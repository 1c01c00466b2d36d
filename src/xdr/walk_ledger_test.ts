import { describe, expect, test } from "bun:test";
import { xdr } from "@stellar/stellar-base";
import { expectedFixture, fixtureLedgers } from "../../test/support/fixtures.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { XdrError } from "./xdr_error.ts";
import { expectMatchesOracle } from "../../test/support/xdr_oracle.ts";
import { INDEXED_TOPICS_MAX, sliceRange, walkLeadingLedger, walkLedger } from "./walk_ledger.ts";

function ledgerOf(fixture: string, index = 0): Uint8Array {
  return new Uint8Array(fixtureLedgers(expectedFixture(fixture))[index]!);
}

/** `bytes` with `[start, end)` replaced by `replacement`; XDR arrays count elements, not bytes, so a ledger stays valid. */
function splice(bytes: Uint8Array, range: { start: number; end: number }, replacement: Uint8Array): Uint8Array {
  const spliced = new Uint8Array(bytes.length - (range.end - range.start) + replacement.length);
  spliced.set(bytes.subarray(0, range.start));
  spliced.set(replacement, range.start);
  spliced.set(bytes.subarray(range.end), range.start + replacement.length);
  return spliced;
}

describe("walkLedger()", () => {
  test("returns views into the given buffer, never copies", () => {
    const bytes = ledgerOf("synthetic-v23-standalone", 1);
    const view = walkLedger(bytes);
    expect(view.bytes).toBe(bytes);
    expect(sliceRange(bytes, view.transactions[0]!.meta).buffer).toBe(bytes.buffer);
    expect(sliceRange(bytes, view.events[0]!).buffer).toBe(bytes.buffer);
  });

  test("reads an empty 2016 pubnet ledger (LCM V0, protocol 2) as header only", () => {
    const view = walkLedger(ledgerOf("pubnet-ttp-5-ledgers"));
    expect<number>(view.ledgerSeq).toBe(6154623);
    expect(view.closeTimeSec).toBe(1472600258);
    expect(view.protocolVersion).toBe(2);
    expect(view.lcmVersion).toBe(0);
    expect(view.transactions).toEqual([]);
    expect(view.events).toEqual([]);
  });

  test("reports a failed fee bump's inner hash at result + 12 (lake-and-xdr §3.3)", () => {
    const view = walkLedger(ledgerOf("testnet-848582-v2"));
    const tx = view.transactions[0]!;
    expect(tx.resultCode).toBe(-13);
    expect(tx.failed).toBe(true);
    expect(tx.innerHashOffset).toBe(tx.result.byteOffset + 12);
  });

  test("counts every topic but returns only topics 0..3, and no contract id when the event has none", () => {
    const original = ledgerOf("testnet-848581-v2");
    const target = walkLedger(original).events[0]!;
    const topics = [1, 2, 3, 4, 5, 6].map((value) => xdr.ScVal.scvU32(value));
    const event = new xdr.ContractEvent({
      ext: new xdr.ExtensionPoint(0),
      contractId: null,
      type: xdr.ContractEventType.contract(),
      body: new xdr.ContractEventBody(0, new xdr.ContractEventV0({ topics, data: xdr.ScVal.scvVoid() })),
    });
    const bytes = splice(original, { start: target.byteOffset, end: target.byteOffset + target.byteLength }, event.toXDR());
    const view = walkLedger(bytes);
    const walked = view.events[0]!;
    expect(walked.contractIdOffset).toBeUndefined();
    expect(walked.topicCount).toBe(6);
    expect(walked.topics).toHaveLength(INDEXED_TOPICS_MAX);
    expect(walked.topics.map((topic) => Buffer.from(sliceRange(bytes, topic)).toString("hex"))).toEqual(
      topics.slice(0, 4).map((topic) => topic.toXDR("hex")),
    );
    expectMatchesOracle(view, bytes);
  });

  test("rejects bytes after the LedgerCloseMeta, naming the ledger", () => {
    const original = ledgerOf("testnet-997");
    const padded = new Uint8Array(original.length + 4);
    padded.set(original);
    const error = thrownError(() => walkLedger(padded), XdrError);
    expect(error.ledgerSeq).toBe(997);
    expect(error.byteOffset).toBe(original.length);
    expect(error.message).toBe(
      `Cannot decode LedgerCloseMeta of ledger 997: 4 bytes follow the LedgerCloseMeta at byte offset ${original.length}; ` +
        "the source bytes are corrupt or use XDR newer than this build understands",
    );
  });

  test("rejects an unknown TransactionMeta version at the meta's offset", () => {
    const bytes = ledgerOf("testnet-997");
    const meta = walkLedger(bytes).transactions[2]!.meta;
    new DataView(bytes.buffer).setUint32(meta.byteOffset, 9);
    const error = thrownError(() => walkLedger(bytes), XdrError);
    expect(error.detail).toBe("TransactionMeta has unknown version 9");
    expect(error.byteOffset).toBe(meta.byteOffset);
  });

  test("rejects an unhandled TransactionEvent stage (reference §9.3)", () => {
    const bytes = ledgerOf("testnet-848581-v2");
    const stageOffset = walkLedger(bytes).events[1]!.byteOffset - 4;
    new DataView(bytes.buffer).setUint32(stageOffset, 3);
    const error = thrownError(() => walkLedger(bytes), XdrError);
    expect(error.detail).toBe("TransactionEvent has unhandled event stage 3");
    expect(error.byteOffset).toBe(stageOffset);
  });

  test("rejects a ContractEvent type outside SYSTEM, CONTRACT, DIAGNOSTIC", () => {
    const bytes = ledgerOf("synthetic-v23-standalone", 1);
    const event = walkLedger(bytes).events[0]!;
    const typeOffset = event.contractIdOffset! + 32; // ext void, contract id present, then the type
    new DataView(bytes.buffer).setUint32(typeOffset, 3);
    expect(thrownError(() => walkLedger(bytes), XdrError).detail).toBe("ContractEvent has invalid type 3");
  });

  test("rejects an unknown LedgerCloseMeta version without naming a ledger it could not read", () => {
    const bytes = ledgerOf("testnet-997");
    new DataView(bytes.buffer).setUint32(0, 3);
    const error = thrownError(() => walkLedger(bytes), XdrError);
    expect(error.ledgerSeq).toBeUndefined();
    expect(error.message).toStartWith("Cannot decode LedgerCloseMeta: LedgerCloseMeta has unknown version 3 at byte offset 0");
  });
});

describe("walkLeadingLedger()", () => {
  test("walks the ledger at the start of a longer buffer and views exactly its bytes", () => {
    const first = ledgerOf("testnet-997");
    const buffer = new Uint8Array(first.length + 100).fill(0xee);
    buffer.set(first);
    const view = walkLeadingLedger(buffer);
    expect<number>(view.ledgerSeq).toBe(997);
    expect(view.bytes.length).toBe(first.length);
    expect(view.bytes.buffer).toBe(buffer.buffer);
    expectMatchesOracle(view, first);
  });

  test("hands its view to the next walkLedger() of the same bytes, once", () => {
    const view = walkLeadingLedger(ledgerOf("synthetic-v23-standalone", 1));
    expect(walkLedger(view.bytes)).toBe(view);
    const again = walkLedger(view.bytes);
    expect(again).not.toBe(view);
    expect(again).toEqual(view);
  });

  test("rejects a cut ledger with an offset inside its input, and registers nothing", () => {
    const bytes = ledgerOf("testnet-997");
    const cut = bytes.subarray(0, bytes.length - 10);
    const error = thrownError(() => walkLeadingLedger(cut), XdrError);
    expect(error.ledgerSeq).toBe(997);
    expect(error.byteOffset).toBeLessThanOrEqual(cut.length);
    expect(() => walkLedger(cut)).toThrow(XdrError);
  });
});

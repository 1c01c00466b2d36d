import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeEventPayload, encodeEventPayload, type EventPayload } from "./event_payload.ts";
import { bytesOf, hexOf } from "./_test_support.ts";

const PAYLOAD: EventPayload = {
  txHash: new Uint8Array(32).fill(0x11),
  ledgerSeq: 0x01020304 as LedgerSeq,
  txIdx: 5,
  opIdx: 0xffffffff, // the "no operation" sentinel
  ledgerClosedAt: 1_700_000_000,
  eventIdx: 2,
  contractEvent: new Uint8Array([0xaa, 0xbb]),
};

// Derived by hand from reference §8.5 "Event Payload v1".
const PAYLOAD_BYTES = bytesOf(
  "01" + " 11".repeat(32) + " 01 02 03 04  00 00 00 05  ff ff ff ff  00 00 00 00 65 53 f1 00  00 00 00 02  00 00 00 02  aa bb",
);
const SOURCE = { path: "/events/00000001-events.pack", eventId: 7 };

test("encodeEventPayload() writes the 61-byte header and the ContractEvent bytes", () => {
  expect(hexOf(encodeEventPayload(PAYLOAD))).toBe(hexOf(PAYLOAD_BYTES));
});

test("decodeEventPayload() inverts encodeEventPayload()", () => {
  expect(decodeEventPayload(PAYLOAD_BYTES, SOURCE)).toEqual(PAYLOAD);
});

test("decodeEventPayload() keeps a negative close time exact", () => {
  const early = { ...PAYLOAD, ledgerClosedAt: -1 };
  expect(decodeEventPayload(encodeEventPayload(early), SOURCE).ledgerClosedAt).toBe(-1);
});

test("encodeEventPayload() writes ledgerClosedAt as i64 big-endian across the safe-integer range", () => {
  for (const closedAt of [0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    const want = new Uint8Array(8);
    new DataView(want.buffer).setBigInt64(0, BigInt(closedAt), false);
    expect(encodeEventPayload({ ...PAYLOAD, ledgerClosedAt: closedAt }).subarray(45, 53)).toEqual(want);
  }
});

test("decodeEventPayload() rejects an unknown version", () => {
  const bytes = PAYLOAD_BYTES.slice();
  bytes[0] = 2;
  expect(() => decodeEventPayload(bytes, SOURCE)).toThrow(/unknown version 0x02/);
});

test("decodeEventPayload() rejects every short buffer", () => {
  for (let length = 0; length < PAYLOAD_BYTES.length; length++) {
    expect(() => decodeEventPayload(PAYLOAD_BYTES.subarray(0, length), SOURCE)).toThrow(CorruptFileError);
  }
});

test("decodeEventPayload() rejects trailing bytes", () => {
  const bytes = new Uint8Array(PAYLOAD_BYTES.length + 1);
  bytes.set(PAYLOAD_BYTES);
  expect(() => decodeEventPayload(bytes, SOURCE)).toThrow(/length 2, but 3 bytes follow/);
});

test("decodeEventPayload() rejects an empty ContractEvent", () => {
  const bytes = PAYLOAD_BYTES.slice(0, 61);
  bytes[60] = 0;
  expect(() => decodeEventPayload(bytes, SOURCE)).toThrow(/ContractEvent is empty/);
});

test("decodeEventPayload() rejects a close time beyond 2^53", () => {
  const bytes = PAYLOAD_BYTES.slice();
  bytes[45] = 0x7f;
  expect(() => decodeEventPayload(bytes, SOURCE)).toThrow(/safe integer/);
});

test("decodeEventPayload() errors name the file and the event id", () => {
  expect(() => decodeEventPayload(new Uint8Array([9]), SOURCE)).toThrow(/00000001-events.pack.*event 7/);
});

test("encodeEventPayload() refuses an empty ContractEvent and a short tx hash", () => {
  expect(() => encodeEventPayload({ ...PAYLOAD, contractEvent: new Uint8Array(0) })).toThrow(InvariantError);
  expect(() => encodeEventPayload({ ...PAYLOAD, txHash: new Uint8Array(31) })).toThrow(InvariantError);
});

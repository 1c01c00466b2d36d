import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { TERM_FIELD_CONTRACT_ID, TERM_KEY_BYTES, termKey, termKeyIn, topicTermField } from "./event_terms.ts";

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

test("termKey() is MurmurHash3_x86_128 of the value seeded with the field (docs/formats.md)", () => {
  // Expected bytes from SMHasher's MurmurHash3_x86_128 in C: seed = field, output h1..h4 LE.
  const contractId = new Uint8Array(32).map((_, index) => index * 7 + 1);
  expect(hex(termKey(TERM_FIELD_CONTRACT_ID, contractId))).toBe("4bde8494db08f264d8b2f71aad8b692a");
  const text = new TextEncoder().encode("The quick brown fox jumps over the lazy dog");
  expect(hex(termKey(topicTermField(3), text))).toBe("3a2ccc5584ed9960f8e155530c2da43f");
});

test("termKey() separates fields: the same bytes in two topics give two keys", () => {
  const value = new Uint8Array([0, 0, 0, 1]);
  expect(termKey(topicTermField(0), value)).not.toEqual(termKey(topicTermField(1), value));
  expect(termKey(topicTermField(0), value).length).toBe(TERM_KEY_BYTES);
});

test("termKey() returns a fresh array each call", () => {
  const a = termKey(topicTermField(0), new Uint8Array([1]));
  const b = termKey(topicTermField(0), new Uint8Array([1]));
  expect(a).toEqual(b);
  a[0]! ^= 1;
  expect(a).not.toEqual(b);
});

test("termKeyIn() of a range equals termKey() of the same bytes copied out", () => {
  const ledger = new Uint8Array(500).map((_, index) => (index * 13) & 0xff);
  expect(termKeyIn(ledger, { field: TERM_FIELD_CONTRACT_ID, byteOffset: 100, byteLength: 32 })).toEqual(
    termKey(TERM_FIELD_CONTRACT_ID, ledger.slice(100, 132)),
  );
  expect(termKeyIn(ledger, { field: topicTermField(1), byteOffset: 7, byteLength: 44 })).toEqual(termKey(topicTermField(1), ledger.slice(7, 51)));
});

test("termKey() refuses a contract id that is not 32 bytes; topicTermField() refuses topic 4", () => {
  expect(() => termKey(TERM_FIELD_CONTRACT_ID, new Uint8Array(31))).toThrow(InvariantError);
  expect(() => termKeyIn(new Uint8Array(64), { field: TERM_FIELD_CONTRACT_ID, byteOffset: 0, byteLength: 33 })).toThrow(InvariantError);
  expect(() => topicTermField(4)).toThrow(InvariantError);
});

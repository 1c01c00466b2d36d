import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { InvariantError } from "../assert.ts";
import { TERM_FIELD_CONTRACT_ID, TERM_KEY_BYTES, termKey, topicTermField } from "./event_terms.ts";

/** An independent derivation: node:crypto SHA-256 of [field] ++ value, first 16 bytes. */
function oracle(field: number, value: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(new Uint8Array([field])).update(value).digest()).subarray(0, 16);
}

test("termKey() is the first 16 bytes of SHA-256([field] ++ value)", () => {
  const contractId = new Uint8Array(32).map((_, i) => i);
  expect(termKey(TERM_FIELD_CONTRACT_ID, contractId)).toEqual(oracle(0, contractId));
  const topic = new TextEncoder().encode("\x00\x00\x00\x0ftransfer-symbol");
  expect(termKey(topicTermField(2), topic)).toEqual(oracle(3, topic));
  expect(termKey(topicTermField(0), new Uint8Array(5000).fill(7))).toEqual(oracle(1, new Uint8Array(5000).fill(7)));
});

test("termKey() separates fields: the same bytes in two topics give two keys", () => {
  const value = new Uint8Array([0, 0, 0, 1]);
  expect(termKey(topicTermField(0), value)).not.toEqual(termKey(topicTermField(1), value));
  expect(termKey(topicTermField(0), value).length).toBe(TERM_KEY_BYTES);
});

test("termKey() returns a fresh array each call", () => {
  const a = termKey(topicTermField(0), new Uint8Array([1]));
  const b = termKey(topicTermField(0), new Uint8Array([2]));
  expect(a).not.toEqual(b);
  expect(a).toEqual(oracle(1, new Uint8Array([1])));
});

test("termKey() refuses a contract id that is not 32 bytes; topicTermField() refuses topic 4", () => {
  expect(() => termKey(TERM_FIELD_CONTRACT_ID, new Uint8Array(31))).toThrow(InvariantError);
  expect(() => topicTermField(4)).toThrow(InvariantError);
});

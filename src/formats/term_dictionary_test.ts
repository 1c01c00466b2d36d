import { afterEach, beforeEach, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { termKey, topicTermField } from "./event_terms.ts";
import { compareTermKeys, TERM_BLOCK_BYTES, TERM_DICTIONARY_FOOTER_BYTES, TERM_KEYS_PER_BLOCK } from "./term_dictionary.ts";
import { openTermDictionary } from "./term_dictionary_reader.ts";
import { writeTermDictionary } from "./term_dictionary_writer.ts";
import { makeTempDir } from "./_test_support.ts";

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = makeTempDir("term-dictionary");
});
afterEach(() => dir.remove());

const BINDING = { eventCount: 100, ledgerOffsetsCrc: 0x12345678 };

/** `count` distinct term keys, sorted. */
function sortedKeysOf(count: number, salt: number): Uint8Array[] {
  const keys = Array.from({ length: count }, (_, i) => termKey(topicTermField(1), new Uint8Array([salt, i & 255, i >> 8, i >> 16])));
  return keys.sort((a, b) => compareTermKeys(a, b));
}

function concat(keys: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(keys.length * 16);
  keys.forEach((key, i) => bytes.set(key, i * 16));
  return bytes;
}

test("a dictionary of zero terms is a 40-byte footer and every lookup misses", () => {
  const path = join(dir.path, "empty-index.hash");
  writeTermDictionary(path, new Uint8Array(0), { eventCount: 0, ledgerOffsetsCrc: 1 });
  expect(fs.statSync(path).size).toBe(TERM_DICTIONARY_FOOTER_BYTES);
  const dictionary = openTermDictionary(path);
  try {
    expect(dictionary.termCount).toBe(0);
    expect(dictionary.rankOf(termKey(topicTermField(0), new Uint8Array([1])))).toBeUndefined();
  } finally {
    dictionary.close();
  }
});

test("rankOf() returns every key's sorted position across several blocks and misses absent keys", () => {
  const keys = sortedKeysOf(3 * TERM_KEYS_PER_BLOCK + 17, 1);
  const path = join(dir.path, "00000001-index.hash");
  writeTermDictionary(path, concat(keys), BINDING);
  expect(fs.statSync(path).size).toBe(4 * TERM_BLOCK_BYTES + 4 * 16 + TERM_DICTIONARY_FOOTER_BYTES);
  const dictionary = openTermDictionary(path);
  try {
    expect(dictionary.footer).toMatchObject({ termCount: keys.length, eventCount: 100, ledgerOffsetsCrc: 0x12345678 });
    keys.forEach((key, rank) => expect(dictionary.rankOf(key)).toBe(rank));
    for (const absent of sortedKeysOf(200, 2)) expect(dictionary.rankOf(absent)).toBeUndefined();
    expect(dictionary.rankOf(new Uint8Array(16))).toBeUndefined(); // before every key
    expect(dictionary.rankOf(new Uint8Array(16).fill(0xff))).toBeUndefined(); // after every key
  } finally {
    dictionary.close();
  }
});

test("writeTermDictionary() writes the same bytes for the same keys", () => {
  const keys = concat(sortedKeysOf(300, 3));
  writeTermDictionary(join(dir.path, "a.hash"), keys, BINDING);
  writeTermDictionary(join(dir.path, "b.hash"), keys, BINDING);
  expect(fs.readFileSync(join(dir.path, "a.hash")).equals(fs.readFileSync(join(dir.path, "b.hash")))).toBe(true);
});

test("writeTermDictionary() refuses unsorted or repeated keys before creating the file", () => {
  const keys = sortedKeysOf(3, 4);
  const path = join(dir.path, "bad.hash");
  expect(() => writeTermDictionary(path, concat([keys[1]!, keys[0]!]), BINDING)).toThrow(InvariantError);
  expect(() => writeTermDictionary(path, concat([keys[0]!, keys[0]!]), BINDING)).toThrow(InvariantError);
  expect(fs.existsSync(path)).toBe(false);
});

test("a flipped byte in the footer or fence table fails open; in a block, the lookup that reads it", () => {
  const keys = sortedKeysOf(2 * TERM_KEYS_PER_BLOCK + 5, 5);
  const path = join(dir.path, "flip.hash");
  writeTermDictionary(path, concat(keys), BINDING);
  const original = new Uint8Array(fs.readFileSync(path));
  const blockBytes = 3 * TERM_BLOCK_BYTES;
  for (let byteOffset = 0; byteOffset < original.length; byteOffset += byteOffset < blockBytes ? 61 : 1) {
    const mutant = original.slice();
    mutant[byteOffset]! ^= 0x04;
    fs.writeFileSync(path, mutant);
    if (byteOffset >= blockBytes) {
      expect(() => openTermDictionary(path)).toThrow(CorruptFileError);
      continue;
    }
    const dictionary = openTermDictionary(path);
    try {
      const blockIndex = Math.floor(byteOffset / TERM_BLOCK_BYTES);
      expect(() => dictionary.rankOf(keys[blockIndex * TERM_KEYS_PER_BLOCK]!)).toThrow(/term block/);
    } finally {
      dictionary.close();
    }
  }
});

test("openTermDictionary() rejects a truncated or extended file", () => {
  const path = join(dir.path, "size.hash");
  writeTermDictionary(path, concat(sortedKeysOf(10, 6)), BINDING);
  const original = new Uint8Array(fs.readFileSync(path));
  fs.writeFileSync(path, original.subarray(1));
  expect(() => openTermDictionary(path)).toThrow(/but 1 blocks need/);
  fs.writeFileSync(path, new Uint8Array([0, ...original]));
  expect(() => openTermDictionary(path)).toThrow(CorruptFileError);
  fs.writeFileSync(path, original.subarray(original.length - 39));
  expect(() => openTermDictionary(path)).toThrow(/shorter than the 40-byte footer/);
});

import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { IDX_FOOTER_BYTES, IDX_HEADER_BYTES } from "./_txhash_index_layout.ts";
import { type RandomRuns, runHash, seededRandom, writeRandomRuns } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { buildTxhashIndex } from "./txhash_index_build.ts";
import { type TxhashIndexReader, openTxhashIndex } from "./txhash_index_reader.ts";

let dir: string;
let runs: RandomRuns;
let cleanPath: string;
let cleanBytes: Buffer;
/** The clean index's answer for every member. */
let cleanAnswers: LedgerSeq[][];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "txhash-index-reader-"));
  runs = await writeRandomRuns(dir, { runCount: 4, entriesPerRun: 1_000, seed: 41, firstLedger: 2, ledgersPerRun: 100 });
  cleanPath = join(dir, "clean.idx");
  buildTxhashIndex({ runPaths: runs.runPaths, outputPath: cleanPath, minLedger: 2 as LedgerSeq, maxLedger: 401 as LedgerSeq });
  cleanBytes = readFileSync(cleanPath);
  const reader = openTxhashIndex(cleanPath);
  cleanAnswers = Array.from({ length: runs.entryCount }, (_, entryIndex) => reader.lookup(runHash(runs, entryIndex)));
  reader.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the clean index with one byte XORed and returns its path. */
function withFlippedByte(byteOffset: number, mask = 0x01): string {
  const bytes = Buffer.from(cleanBytes);
  bytes[byteOffset]! ^= mask;
  const path = join(dir, "flipped.idx");
  writeFileSync(path, bytes);
  return path;
}

function regions(reader: TxhashIndexReader): { countsOffset: number; footerOffset: number } {
  const footerOffset = reader.byteCount - IDX_FOOTER_BYTES;
  return { countsOffset: footerOffset - 4 * 2 ** reader.blockBits, footerOffset };
}

test("the fixture index has several blocks and answers every member", () => {
  const reader = openTxhashIndex(cleanPath);
  expect(reader.blockBits).toBeGreaterThanOrEqual(2);
  reader.close();
  cleanAnswers.forEach((answer, entryIndex) => expect(answer).toContain(runs.ledgerSeqs[entryIndex]! as LedgerSeq));
});

test("openTxhashIndex() rejects a flipped bit in any header byte", () => {
  for (let byteOffset = 0; byteOffset < IDX_HEADER_BYTES; byteOffset++) {
    expect(() => openTxhashIndex(withFlippedByte(byteOffset, 0x10))).toThrow(CorruptFileError);
  }
});

test("openTxhashIndex() rejects a flipped bit in any count or footer byte", () => {
  const reader = openTxhashIndex(cleanPath);
  const { countsOffset } = regions(reader);
  reader.close();
  for (let byteOffset = countsOffset; byteOffset < cleanBytes.length; byteOffset++) {
    expect(() => openTxhashIndex(withFlippedByte(byteOffset, 0x02))).toThrow(CorruptFileError);
  }
});

test("a flipped block byte fails the lookups of that block and never changes another answer", () => {
  const reader = openTxhashIndex(cleanPath);
  const { countsOffset } = regions(reader);
  reader.close();
  const random = seededRandom(42);
  for (let flip = 0; flip < 40; flip++) {
    const byteOffset = IDX_HEADER_BYTES + (random() % (countsOffset - IDX_HEADER_BYTES));
    const flipped = openTxhashIndex(withFlippedByte(byteOffset, 1 << (random() % 8)));
    let failedLookups = 0;
    for (let entryIndex = 0; entryIndex < runs.entryCount; entryIndex++) {
      let answer: LedgerSeq[];
      try {
        answer = flipped.lookup(runHash(runs, entryIndex));
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptFileError);
        failedLookups += 1;
        continue;
      }
      expect(answer).toEqual(cleanAnswers[entryIndex]!);
    }
    flipped.close();
    expect(failedLookups).toBeGreaterThan(0);
  }
});

test("openTxhashIndex() rejects truncated and extended files", () => {
  const sizes = [0, 10, IDX_HEADER_BYTES, IDX_HEADER_BYTES + IDX_FOOTER_BYTES, cleanBytes.length - 4, cleanBytes.length - 1];
  for (const size of sizes) {
    const path = join(dir, "truncated.idx");
    copyFileSync(cleanPath, path);
    truncateSync(path, size);
    expect(() => openTxhashIndex(path)).toThrow(CorruptFileError);
  }
  const extended = join(dir, "extended.idx");
  writeFileSync(extended, Buffer.concat([cleanBytes, Buffer.from([0])]));
  expect(() => openTxhashIndex(extended)).toThrow(/size \d+ bytes, want \d+ from the header/);
});

test("openTxhashIndex() rejects a torn build whose header was never written", () => {
  const torn = Buffer.from(cleanBytes);
  torn.fill(0, 0, IDX_HEADER_BYTES);
  const path = join(dir, "torn.idx");
  writeFileSync(path, torn);
  expect(() => openTxhashIndex(path)).toThrow(/header at byte 0: magic 0x00000000/);
});

test("openTxhashIndex() of a missing file throws CorruptFileError naming it", () => {
  expect(() => openTxhashIndex(join(dir, "absent.idx"))).toThrow(/absent\.idx.*ENOENT/);
});

test("lookup() rejects a hash that is neither 16 nor 32 bytes, and any lookup after close()", () => {
  const reader = openTxhashIndex(cleanPath);
  expect(() => reader.lookup(new Uint8Array(8))).toThrow(InvariantError);
  reader.close();
  reader.close();
  expect(() => reader.lookup(new Uint8Array(32))).toThrow(InvariantError);
});

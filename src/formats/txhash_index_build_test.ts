import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../assert.ts";
import { type LedgerSeq, chunkFirstLedger, chunkLastLedger } from "../geometry/chunk.ts";
import type { ChunkId } from "../geometry/chunk.ts";
import { type RandomRuns, randomTxHash, runHash, seededRandom, writeRandomRuns, writeRunOf } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { buildTxhashIndex } from "./txhash_index_build.ts";
import { openTxhashIndex } from "./txhash_index_reader.ts";

const FIRST_LEDGER = 2 as LedgerSeq;

describe("an index of 1,000,000 random keys from 40 runs", () => {
  let dir: string;
  let runs: RandomRuns;
  let built: { keyCount: number; byteCount: number };
  let indexPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "txhash-index-1m-"));
    runs = await writeRandomRuns(dir, { runCount: 40, entriesPerRun: 25_000, seed: 31, firstLedger: FIRST_LEDGER, ledgersPerRun: 10_000 });
    indexPath = join(dir, "index.idx");
    built = buildTxhashIndex({ runPaths: runs.runPaths, outputPath: indexPath, minLedger: FIRST_LEDGER, maxLedger: (FIRST_LEDGER + 400_000 - 1) as LedgerSeq });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("buildTxhashIndex() reports every key and the file size", () => {
    expect(built.keyCount).toBe(1_000_000);
    expect(readFileSync(indexPath).length).toBe(built.byteCount);
  });

  test("the index takes at most 4.4 bytes per key", () => {
    expect(built.byteCount / built.keyCount).toBeLessThanOrEqual(4.4);
  });

  test("lookup() returns every member's seq among its candidates", () => {
    const reader = openTxhashIndex(indexPath);
    let missing = 0;
    let multiCandidate = 0;
    for (let entryIndex = 0; entryIndex < runs.entryCount; entryIndex++) {
      const candidates = reader.lookup(runHash(runs, entryIndex));
      if (!candidates.includes(runs.ledgerSeqs[entryIndex]! as LedgerSeq)) missing += 1;
      if (candidates.length > 1) multiCandidate += 1;
    }
    reader.close();
    expect(missing).toBe(0);
    // A member shares its quotient with another member about ρ/256 of the time (txindex.md §3.1).
    expect(multiCandidate / runs.entryCount).toBeLessThan(2 ** 0.5 / 256 * 1.2);
  }, 60_000);

  test("lookup() of non-members yields candidates at most 1.2 × the parameters' rate N / 2^(K+U+8)", () => {
    const reader = openTxhashIndex(indexPath);
    const random = seededRandom(32);
    const probeCount = 200_000;
    let falseCandidates = 0;
    for (let probe = 0; probe < probeCount; probe++) falseCandidates += reader.lookup(randomTxHash(random)).length;
    const expectedRate = reader.keyCount / 2 ** (reader.blockBits + reader.upperBits + 8);
    reader.close();
    expect(expectedRate).toBeLessThanOrEqual(2 ** 0.5 / 256);
    expect(falseCandidates / probeCount).toBeLessThan(expectedRate * 1.2);
  }, 30_000);
});

describe("buildTxhashIndex() on small inputs", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "txhash-index-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("two keys over chunks 0..1: header fields and absolute seqs (TestStreamingIdx_MatchesSpecFormat)", async () => {
    const minLedger = chunkFirstLedger(0 as ChunkId);
    const maxLedger = chunkLastLedger(1 as ChunkId);
    const hashA = new Uint8Array(32).fill(0x11);
    const hashB = new Uint8Array(32).fill(0xee);
    const run0 = await writeRunOf(join(dir, "0.bin"), [[hashA, minLedger]]);
    const run1 = await writeRunOf(join(dir, "1.bin"), [[hashB, maxLedger]]);
    const indexPath = join(dir, "00000000-00000001.idx");
    expect(buildTxhashIndex({ runPaths: [run0, run1], outputPath: indexPath, minLedger, maxLedger }).keyCount).toBe(2);
    const bytes = readFileSync(indexPath);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("TXQ1");
    expect(bytes[10]).toBe(8); // fingerprint (low) bits
    expect(bytes[11]).toBe(3); // payload bytes
    const reader = openTxhashIndex(indexPath);
    expect([reader.minLedger, reader.maxLedger, reader.keyCount]).toEqual([minLedger, maxLedger, 2]);
    expect(reader.lookup(hashA)).toEqual([minLedger]);
    expect(reader.lookup(hashB.subarray(0, 16))).toEqual([maxLedger]);
    expect(reader.lookup(new Uint8Array(32).fill(0x77))).toEqual([]);
    reader.close();
  });

  test("20,000 keys over 3 chunks take between 4.0 and 8.0 bytes per key (TestColdIndexSizing_ConsistentWithPart4)", async () => {
    const runs = await writeRandomRuns(dir, { runCount: 3, entriesPerRun: 6_667, seed: 33, firstLedger: 2, ledgersPerRun: 10_000 });
    const built = buildTxhashIndex({ runPaths: runs.runPaths, outputPath: join(dir, "x.idx"), minLedger: 2 as LedgerSeq, maxLedger: 30_001 as LedgerSeq });
    expect(built.byteCount / built.keyCount).toBeGreaterThanOrEqual(4.0);
    expect(built.byteCount / built.keyCount).toBeLessThanOrEqual(8.0);
  });

  test("no runs, or only empty runs, build a valid empty index whose lookups miss (D9)", async () => {
    const empty = await writeRunOf(join(dir, "empty.bin"), []);
    for (const runPaths of [[], [empty, empty]]) {
      const indexPath = join(dir, "empty.idx");
      expect(buildTxhashIndex({ runPaths, outputPath: indexPath, minLedger: 2 as LedgerSeq, maxLedger: 10_001 as LedgerSeq })).toEqual({ keyCount: 0, byteCount: 100 });
      const reader = openTxhashIndex(indexPath);
      expect(reader.keyCount).toBe(0);
      expect(reader.lookup(new Uint8Array(32))).toEqual([]);
      expect(reader.lookup(new Uint8Array(32).fill(0xff))).toEqual([]);
      reader.close();
    }
  });

  test("all-duplicate keys never fail the build: every seq is a candidate, ascending", async () => {
    const hash = new Uint8Array(32).fill(0x5a);
    const paths: string[] = [];
    const ledgerSeqs: number[] = [];
    for (let runIndex = 0; runIndex < 3; runIndex++) {
      const pairs: [Uint8Array, number][] = [];
      for (let i = 0; i < 1_000; i++) {
        const ledgerSeq = 2 + ((runIndex * 7919 + i * 104_729) % 30_000);
        pairs.push([hash, ledgerSeq]);
        ledgerSeqs.push(ledgerSeq);
      }
      paths.push(await writeRunOf(join(dir, `${runIndex}.bin`), pairs));
    }
    const indexPath = join(dir, "dup.idx");
    buildTxhashIndex({ runPaths: paths, outputPath: indexPath, minLedger: 2 as LedgerSeq, maxLedger: 30_001 as LedgerSeq });
    const reader = openTxhashIndex(indexPath);
    expect(reader.lookup(hash)).toEqual(ledgerSeqs.sort((a, b) => a - b) as LedgerSeq[]);
    reader.close();
  });

  test("a block of 70,000 keys (m > 65535, adversarial skew) builds and answers", async () => {
    const random = seededRandom(34);
    const pairs: [Uint8Array, number][] = [];
    for (let i = 0; i < 70_000; i++) {
      const hash = randomTxHash(random);
      hash[0] = 0x3c;
      hash[1] = 0xc3; // the top 16 bits ≥ K: every key lands in one block
      pairs.push([hash, 2 + (i % 10_000)]);
    }
    const indexPath = join(dir, "skew.idx");
    const runPath = await writeRunOf(join(dir, "skew.bin"), pairs);
    buildTxhashIndex({ runPaths: [runPath], outputPath: indexPath, minLedger: 2 as LedgerSeq, maxLedger: 10_001 as LedgerSeq });
    const reader = openTxhashIndex(indexPath);
    expect(reader.blockBits).toBeLessThanOrEqual(16);
    for (let i = 0; i < pairs.length; i += 97) {
      expect(reader.lookup(pairs[i]![0])).toContain(pairs[i]![1] as LedgerSeq);
    }
    expect(reader.lookup(new Uint8Array(32).fill(0x01))).toEqual([]);
    reader.close();
  });

  test("2,000 keys sharing one quotient, every higher bucket empty, all answer", async () => {
    const pairs: [Uint8Array, number][] = [];
    for (let i = 0; i < 2_000; i++) {
      const hash = new Uint8Array(32).fill(i & 0xff);
      hash.fill(0, 0, 4); // top 32 bits zero: block 0, bucket 0, low byte 0: one quotient
      hash[4] = i >> 8;
      pairs.push([hash, 2 + i]);
    }
    const indexPath = join(dir, "crowded.idx");
    buildTxhashIndex({ runPaths: [await writeRunOf(join(dir, "crowded.bin"), pairs)], outputPath: indexPath, minLedger: 2 as LedgerSeq, maxLedger: 10_001 as LedgerSeq });
    const reader = openTxhashIndex(indexPath);
    for (const [hash, ledgerSeq] of pairs) expect(reader.lookup(hash)).toContain(ledgerSeq as LedgerSeq);
    reader.close();
  });

  test("a seq outside [minLedger, maxLedger] is rejected, naming the run and the seq; no index is left", async () => {
    const good = await writeRunOf(join(dir, "00000000.bin"), [[new Uint8Array(32).fill(1), 5]]);
    const bad = await writeRunOf(join(dir, "00000001.bin"), [[new Uint8Array(32).fill(2), 10_002]]);
    const indexPath = join(dir, "out.idx");
    const build = () => buildTxhashIndex({ runPaths: [good, bad], outputPath: indexPath, minLedger: 2 as LedgerSeq, maxLedger: 10_001 as LedgerSeq });
    expect(build).toThrow(CorruptFileError);
    expect(build).toThrow(/00000001\.bin.*ledger seq 10002 outside index coverage \[2, 10001\]/);
    expect(existsSync(indexPath)).toBe(false);
  });

  test("a ledger span beyond the 3-byte payload is an invariant violation", () => {
    const build = () => buildTxhashIndex({ runPaths: [], outputPath: join(dir, "x.idx"), minLedger: 2 as LedgerSeq, maxLedger: (2 + 2 ** 24) as LedgerSeq });
    expect(build).toThrow(InvariantError);
  });

  test("the same entries in other runs and another order build identical bytes", async () => {
    const random = seededRandom(35);
    const pairs: [Uint8Array, number][] = [];
    for (let i = 0; i < 30_000; i++) {
      const hash = randomTxHash(random);
      if (i % 1000 === 0) hash.fill(0x99, 0, 8); // quotient collisions: ties must be ordered by payload
      pairs.push([hash, 2 + (random() % 20_000)]);
    }
    const byThirds = [pairs.slice(0, 10_000), pairs.slice(10_000, 20_000), pairs.slice(20_000)];
    const byParity = [pairs.filter((_, i) => i % 2 === 1), pairs.filter((_, i) => i % 2 === 0)];
    const pathsA = await Promise.all(byThirds.map((part, i) => writeRunOf(join(dir, `a${i}.bin`), part)));
    const pathsB = await Promise.all(byParity.map((part, i) => writeRunOf(join(dir, `b${i}.bin`), part)));
    const options = { minLedger: 2 as LedgerSeq, maxLedger: 20_001 as LedgerSeq };
    buildTxhashIndex({ runPaths: pathsA, outputPath: join(dir, "a.idx"), ...options });
    buildTxhashIndex({ runPaths: pathsB.reverse(), outputPath: join(dir, "b.idx"), ...options });
    expect(Buffer.compare(readFileSync(join(dir, "a.idx")), readFileSync(join(dir, "b.idx")))).toBe(0);
  });

  test("a build that hits the file-size limit throws TxhashWriteError and removes the partial index (child process)", async () => {
    const runs = await writeRandomRuns(dir, { runCount: 2, entriesPerRun: 20_000, seed: 36, firstLedger: 2, ledgersPerRun: 100 });
    const indexPath = join(dir, "limited.idx");
    const script = join(dir, "build.ts");
    writeFileSync(
      script,
      `import { buildTxhashIndex } from ${JSON.stringify(join(import.meta.dir, "txhash_index_build.ts"))};
       try {
         buildTxhashIndex({ runPaths: ${JSON.stringify(runs.runPaths)}, outputPath: ${JSON.stringify(indexPath)}, minLedger: 2, maxLedger: 201 });
         console.log("built");
       } catch (err) { console.log(err.name + ": " + err.message); }`,
    );
    // Runs are 400 KB, the index about 170 KB: a 64 KiB cap fails the index write, not the reads.
    const child = Bun.spawn(["bash", "-c", `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${script}"`], { stdout: "pipe" });
    const output = await new Response(child.stdout).text();
    expect(await child.exited).toBe(0);
    expect(output).toContain(`TxhashWriteError: Cannot write "${indexPath}": EFBIG`);
    expect(existsSync(indexPath)).toBe(false);
  });
});

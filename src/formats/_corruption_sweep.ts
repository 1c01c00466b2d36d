/**
 * Test helper (issue 3: "truncation and bit flips in every region of every format → a clear error
 * naming the file, never a wrong answer"). Not imported by production code.
 *
 * `sweepCorruptions` writes mutants of a clean file (one flipped bit, or a truncation) and runs
 * every read API of a probe on each. Each read must either return exactly what it returns on the
 * clean file or throw `CorruptFileError` naming the mutant; anything else (a different answer, a
 * RangeError, an InvariantError reached by input) is reported as a finding.
 * @module
 */

import { writeFileSync } from "node:fs";
import { seededRandom } from "./_txhash_test_runs.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

/** A reader under test: how to open and close it, and its read APIs, each rendered as a string. */
export interface CorruptionProbe<R> {
  open(path: string): R;
  close(reader: R): void;
  reads: Record<string, (reader: R) => string>;
}

/** Which mutants to write. `bitOffsets` are bit numbers in the file (byte = bit >> 3). */
export interface CorruptionPlan {
  bitOffsets: Iterable<number>;
  truncatedLengths: Iterable<number>;
}

/** Every bit of a `byteCount`-byte file. */
export function everyBit(byteCount: number): number[] {
  return Array.from({ length: byteCount * 8 }, (_, bit) => bit);
}

/** Every length shorter than `byteCount`. */
export function everyShorterLength(byteCount: number): number[] {
  return Array.from({ length: byteCount }, (_, length) => length);
}

/** One random bit of every byte in [fromByte, endByte), from the tests' seeded generator. */
export function oneBitPerByte(range: { fromByte: number; endByte: number; seed: number }): number[] {
  const random = seededRandom(range.seed);
  const bits: number[] = [];
  for (let byteOffset = range.fromByte; byteOffset < range.endByte; byteOffset++) bits.push(byteOffset * 8 + (random() & 7));
  return bits;
}

/**
 * Writes each mutant of `clean` at `path` and runs every read of `probe`. Returns the findings
 * (empty when every read either matched the clean answer or threw `CorruptFileError` naming `path`).
 */
export function sweepCorruptions<R>(
  clean: Uint8Array,
  sweep: { path: string; probe: CorruptionProbe<R>; plan: CorruptionPlan; findingsMax?: number },
): string[] {
  const { path, probe, plan } = sweep;
  const findingsMax = sweep.findingsMax ?? 20;
  const expected = answersOf(probe, path, clean);
  const findings: string[] = [];
  const check = (mutant: Uint8Array, label: string) => {
    if (findings.length >= findingsMax) return;
    writeFileSync(path, mutant);
    let reader: R;
    try {
      reader = probe.open(path);
    } catch (err) {
      const problem = problemOf(err, path);
      if (problem !== undefined) findings.push(`${label}: open: ${problem}`);
      return;
    }
    try {
      for (const [name, read] of Object.entries(probe.reads)) {
        let answer: string;
        try {
          answer = read(reader);
        } catch (err) {
          const problem = problemOf(err, path);
          if (problem !== undefined) findings.push(`${label}: ${name}: ${problem}`);
          continue;
        }
        if (answer !== expected.get(name)) findings.push(`${label}: ${name}: wrong answer ${answer.slice(0, 120)}`);
      }
    } finally {
      probe.close(reader);
    }
  };
  for (const bit of plan.bitOffsets) {
    const mutant = clean.slice();
    mutant[bit >> 3]! ^= 1 << (bit & 7);
    check(mutant, `bit ${bit & 7} of byte ${bit >> 3}`);
  }
  for (const length of plan.truncatedLengths) check(clean.subarray(0, length), `truncated to ${length} bytes`);
  writeFileSync(path, clean);
  return findings;
}

function answersOf<R>(probe: CorruptionProbe<R>, path: string, clean: Uint8Array): Map<string, string> {
  writeFileSync(path, clean);
  const reader = probe.open(path);
  try {
    return new Map(Object.entries(probe.reads).map(([name, read]) => [name, read(reader)]));
  } finally {
    probe.close(reader);
  }
}

/** Undefined when `err` is the documented failure for a corrupt `path`; else what is wrong with it. */
function problemOf(err: unknown, path: string): string | undefined {
  if (!(err instanceof CorruptFileError)) return `threw ${String(err)}`;
  if (err.path !== path) return `CorruptFileError names "${err.path}", not the corrupt file`;
  return undefined;
}

/** Hex of a list of byte arrays, for comparing answers. */
export function hexList(items: Iterable<Uint8Array>): string {
  return Array.from(items, (item) => Buffer.from(item).toString("hex")).join(",");
}

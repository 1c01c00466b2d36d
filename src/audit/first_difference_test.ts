import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileIoError } from "../formats/file_io_error.ts";
import { firstDifference } from "./first_difference.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function files(a: Uint8Array, b: Uint8Array): [string, string] {
  const dir = mkdtempSync(join(tmpdir(), "fullhistory-diff-"));
  dirs.push(dir);
  writeFileSync(join(dir, "a"), a);
  writeFileSync(join(dir, "b"), b);
  return [join(dir, "a"), join(dir, "b")];
}

describe("firstDifference()", () => {
  // 3 MiB: the comparison crosses two 1 MiB buffer boundaries.
  const big = new Uint8Array(3 << 20).map((_, index) => index % 251);

  test("finds nothing between identical files", () => {
    expect(firstDifference(...files(big, big.slice()))).toBeUndefined();
  });

  test("names the first differing byte, in a later buffer", () => {
    const changed = big.slice();
    changed[(2 << 20) + 17]! ^= 0x40;
    changed[(2 << 20) + 99]! ^= 0x40;
    expect(firstDifference(...files(big, changed))).toEqual({ byteOffset: (2 << 20) + 17, byteCountA: big.length, byteCountB: big.length });
  });

  test("reports a file that is a prefix of the other at the shorter length", () => {
    expect(firstDifference(...files(big, big.subarray(0, 1000)))).toEqual({ byteOffset: 1000, byteCountA: big.length, byteCountB: 1000 });
  });

  test("fails with FileIoError when a file is missing", () => {
    const [a] = files(big, big);
    expect(() => firstDifference(a, `${a}.missing`)).toThrow(FileIoError);
  });
});

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { xdr } from "@stellar/stellar-base";
import { GENERATED_PATH, generateSkipModule } from "../../scripts/gen_xdr_skip.ts";
import { expectedFixtures, fixtureLedgers } from "../../test/support/fixtures.ts";
import { thrownError } from "../../test/support/thrown_error.ts";
import { skipLedgerCloseMeta, skipScVal } from "./_skip_generated.ts";
import { XDR_DEPTH_MAX, XdrFault } from "./_xdr_read.ts";

/** XDR words, big-endian, for crafting ScVal inputs. */
function words(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setUint32(index * 4, value >>> 0));
  return bytes;
}

const SCV_BOOL = 0;
const SCV_U32 = 3;
const SCV_BYTES = 13;
const SCV_VEC = 16;

describe("_skip_generated.ts", () => {
  test("the checked-in module equals a fresh generation from the installed stellar-base", () => {
    const checkedIn = readFileSync(join(import.meta.dir, "..", "..", GENERATED_PATH), "utf8");
    expect(checkedIn).toBe(generateSkipModule());
  });

  test("skipLedgerCloseMeta() ends exactly at the end of every fixture ledger", () => {
    for (const fixture of expectedFixtures()) {
      for (const ledger of fixtureLedgers(fixture)) expect(skipLedgerCloseMeta(ledger, 0)).toBe(ledger.length);
    }
  });

  test("skipScVal() skips a nested vec the way stellar-base decodes it", () => {
    const bytes = words(SCV_VEC, 1, 2, SCV_U32, 7, SCV_BOOL, 1);
    expect(skipScVal(bytes, 0)).toBe(bytes.length);
    expect(xdr.ScVal.fromXDR(Buffer.from(bytes)).vec()).toHaveLength(2);
  });

  test("skipScVal() rejects a bool of 2, like stellar-base", () => {
    const bytes = words(SCV_BOOL, 2);
    expect(thrownError(() => skipScVal(bytes, 0), XdrFault).message).toBe("ScVal: bool has invalid value 2");
    expect(() => xdr.ScVal.fromXDR(Buffer.from(bytes))).toThrow();
  });

  test("skipScVal() rejects an unknown arm, like stellar-base", () => {
    const bytes = words(99);
    expect(thrownError(() => skipScVal(bytes, 0), XdrFault).message).toBe("ScVal has invalid value 99");
    expect(() => xdr.ScVal.fromXDR(Buffer.from(bytes))).toThrow();
  });

  test("skipScVal() rejects non-zero opaque padding, like stellar-base", () => {
    const bytes = new Uint8Array([...words(SCV_BYTES, 1), 0xaa, 0, 1, 0]);
    const fault = thrownError(() => skipScVal(bytes, 0), XdrFault);
    expect(fault.message).toContain("non-zero padding");
    expect(fault.byteOffset).toBe(10);
    expect(() => xdr.ScVal.fromXDR(Buffer.from(bytes))).toThrow();
  });

  test("skipScVal() rejects an element count the remaining bytes cannot hold", () => {
    const fault = thrownError(() => skipScVal(words(SCV_VEC, 1, 0x7fff_ffff, SCV_U32), 0), XdrFault);
    expect(fault.message).toContain("claims 2147483647 elements");
    expect(fault.byteOffset).toBe(8);
  });

  test("skipScVal() rejects nesting deeper than XDR_DEPTH_MAX instead of overflowing the stack", () => {
    const levels = XDR_DEPTH_MAX; // each level costs ScVal + ScVec: twice the budget
    const nested: number[] = [];
    for (let level = 0; level < levels; level++) nested.push(SCV_VEC, 1, 1);
    nested.push(SCV_BOOL, 0);
    expect(thrownError(() => skipScVal(words(...nested), 0), XdrFault).message).toContain("nests deeper than");
  });

  test("skipScVal() reports truncation with the offset where bytes ran out", () => {
    const fault = thrownError(() => skipScVal(words(SCV_VEC, 1, 1, SCV_U32), 0), XdrFault);
    expect(fault.message).toBe("ScVal is truncated: need 4 bytes, 0 remain");
    expect(fault.byteOffset).toBe(16);
  });
});

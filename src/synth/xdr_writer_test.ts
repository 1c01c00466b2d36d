import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { XdrWriter } from "./xdr_writer.ts";

function hexOf(write: (writer: XdrWriter) => void): string {
  const writer = new XdrWriter(4);
  write(writer);
  return Buffer.from(writer.finish()).toString("hex");
}

describe("XdrWriter", () => {
  test("XdrWriter writes big-endian words and hypers, negative ones in two's complement", () => {
    expect(hexOf((w) => w.u32(0xdeadbeef))).toBe("deadbeef");
    expect(hexOf((w) => w.i32(-13))).toBe("fffffff3");
    expect(hexOf((w) => w.i64(-1))).toBe("ffffffffffffffff");
    expect(hexOf((w) => w.i64(-(2 ** 32) - 1))).toBe("fffffffeffffffff");
    expect(hexOf((w) => w.u64(2 ** 53 - 1))).toBe("001fffffffffffff");
    expect(hexOf((w) => w.bool(true))).toBe("00000001");
  });

  test("XdrWriter pads opaque and strings to 4 bytes", () => {
    expect(hexOf((w) => w.opaque(new Uint8Array([1, 2, 3, 4, 5])))).toBe("00000005" + "0102030405000000");
    expect(hexOf((w) => w.string("fee"))).toBe("00000003" + "66656500");
    expect(hexOf((w) => w.fixed(new Uint8Array([9])))).toBe("09000000");
  });

  test("XdrWriter grows past its initial size and patches earlier words", () => {
    const writer = new XdrWriter(4);
    const countAt = writer.placeholderU32();
    for (let index = 0; index < 100; index++) writer.u32(index);
    writer.patchU32(countAt, 100);
    const bytes = writer.finish();
    expect(bytes.length).toBe(404);
    expect(new DataView(bytes.buffer).getUint32(0)).toBe(100);
    expect(new DataView(bytes.buffer).getUint32(400)).toBe(99);
  });

  test("XdrWriter rejects values its XDR type cannot hold", () => {
    const writer = new XdrWriter();
    expect(() => writer.u32(-1)).toThrow(InvariantError);
    expect(() => writer.u32(2 ** 32)).toThrow(InvariantError);
    expect(() => writer.i64(2 ** 53)).toThrow(InvariantError);
    expect(() => writer.string("né")).toThrow(InvariantError);
  });
});

import { describe, expect, test } from "bun:test";
import { FramedStreamError, splitFramedStream } from "./split_framed_stream.ts";

function framed(records: number[][]): Uint8Array {
  const parts: number[] = [];
  for (const record of records) {
    const mark = (record.length | 0x8000_0000) >>> 0;
    parts.push(mark >>> 24, (mark >>> 16) & 0xff, (mark >>> 8) & 0xff, mark & 0xff, ...record);
  }
  return new Uint8Array(parts);
}

describe("splitFramedStream()", () => {
  test("splitFramedStream() returns each record's bytes", () => {
    const records = splitFramedStream(framed([[1, 2, 3, 4], [], [9, 9, 9, 9, 9, 9, 9, 9]]), "s");
    expect(records.map((record) => [...record])).toEqual([[1, 2, 3, 4], [], [9, 9, 9, 9, 9, 9, 9, 9]]);
  });

  test("splitFramedStream() rejects a record longer than the stream, naming the location", () => {
    const bytes = framed([[1, 2, 3, 4]]).subarray(0, 6);
    expect(() => splitFramedStream(bytes, "/x.xdr.zstd")).toThrow(FramedStreamError);
    expect(() => splitFramedStream(bytes, "/x.xdr.zstd")).toThrow(/"\/x.xdr.zstd": record at byte 0 claims 4 bytes, 2 remain/);
  });

  test("splitFramedStream() rejects a multi-fragment record", () => {
    expect(() => splitFramedStream(new Uint8Array([0, 0, 0, 4, 1, 2, 3, 4]), "s")).toThrow(/multi-fragment/);
  });

  test("splitFramedStream() rejects a truncated record mark", () => {
    expect(() => splitFramedStream(new Uint8Array([0x80, 0]), "s")).toThrow(/record mark truncated/);
  });
});

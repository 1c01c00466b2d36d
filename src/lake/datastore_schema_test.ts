import { describe, expect, test } from "bun:test";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type DatastoreSchema, isPartitionName, objectKeyOf, parseObjectName, partitionDirOf, schemaProblem } from "./datastore_schema.ts";

const PUBNET: DatastoreSchema = { ledgersPerFile: 1, filesPerPartition: 64000, fileExtension: "zst" };

describe("objectKeyOf()", () => {
  // The examples of lake-and-xdr §1.2, all reproduced by the SDK's GetObjectKeyFromSequenceNumber.
  test.each([
    [PUBNET, 997, "FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zst"],
    [PUBNET, 848581, "FFF34DFF--832000-895999/FFF30D3A--848581.xdr.zst"],
    [PUBNET, 64146320, "FC2D7BFF--64128000-64191999/FC2D346F--64146320.xdr.zst"],
    [{ ledgersPerFile: 64, filesPerPartition: 10, fileExtension: "zst" }, 2, "FFFFFFFF--0-639/FFFFFFFF--0-63.xdr.zst"],
    [{ ledgersPerFile: 64, filesPerPartition: 10, fileExtension: "zst" }, 700, "FFFFFD7F--640-1279/FFFFFD7F--640-703.xdr.zst"],
    [{ ledgersPerFile: 1, filesPerPartition: 1, fileExtension: "zst" }, 997, "FFFFFC1A--997.xdr.zst"],
    [{ ledgersPerFile: 1, filesPerPartition: 64000, fileExtension: "zstd" }, 997, "FFFFFFFF--0-63999/FFFFFC1A--997.xdr.zstd"],
  ] as const)("objectKeyOf(%o, %d) is %s", (schema, ledgerSeq, key) => {
    expect(objectKeyOf(schema, ledgerSeq as LedgerSeq)).toBe(key);
  });

  test("objectKeyOf() clamps the last partition's end to the uint32 range", () => {
    const schema: DatastoreSchema = { ledgersPerFile: 1, filesPerPartition: 64000, fileExtension: "zst" };
    // floor(4294967280 / 64000) × 64000 = 4294912000; its end would be 4294975999 unclamped.
    expect(partitionDirOf(schema, 0xffff_fff0 as LedgerSeq)).toBe("0000D7FF--4294912000-4294967295");
  });
});

describe("parseObjectName()", () => {
  test("parseObjectName() is the inverse of the name objectKeyOf() builds", () => {
    expect(parseObjectName("FFFFFC1A--997.xdr.zst")).toEqual({ range: { first: 997 as LedgerSeq, last: 997 as LedgerSeq }, extension: "zst" });
    expect(parseObjectName("FFFFFFFF--0-63.xdr.zstd")).toEqual({ range: { first: 0 as LedgerSeq, last: 63 as LedgerSeq }, extension: "zstd" });
  });

  test.each([
    ["lowercase hex", "fffffc1a--997.xdr.zst"],
    ["hex that disagrees with the start", "FFFFFC1B--997.xdr.zst"],
    ["a reversed range", "FFFFFFBF--64-63.xdr.zst"],
    ["another extension", "FFFFFC1A--997.xdr.gz"],
    ["a temp file", "FFFFFC1A--997.xdr.zst.tmp"],
    ["the manifest", ".config.json"],
    ["a start beyond uint32", "FFFFFFFF--4294967296.xdr.zst"],
  ])("parseObjectName() rejects %s", (_what, name) => {
    expect(parseObjectName(name)).toBeUndefined();
  });

  test("isPartitionName() accepts a partition and rejects an object or a mismatched hex", () => {
    expect(isPartitionName("FFF34DFF--832000-895999")).toBe(true);
    expect(isPartitionName("FFF34DFE--832000-895999")).toBe(false);
    expect(isPartitionName("FFFFFC1A--997.xdr.zst")).toBe(false);
  });
});

describe("schemaProblem()", () => {
  test("schemaProblem() accepts the pubnet schema", () => {
    expect(schemaProblem(1, 64000)).toBeUndefined();
  });

  test.each([
    [0, 64000, /ledgers per file/],
    [1.5, 64000, /ledgers per file/],
    [1, 0, /files per partition/],
    [65536, 65537, /exceeds the uint32 ledger space/],
  ])("schemaProblem(%d, %d) explains what is wrong", (ledgersPerFile, filesPerPartition, want) => {
    expect(schemaProblem(ledgersPerFile, filesPerPartition)).toMatch(want);
  });
});

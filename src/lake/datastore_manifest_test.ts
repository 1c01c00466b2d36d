import { describe, expect, test } from "bun:test";
import { encodeManifest, parseManifest, resolveSchema } from "./datastore_manifest.ts";
import { LakeConfigError, LakeCorruptObjectError } from "./lake_errors.ts";

const TESTNET = "Test SDF Network ; September 2015";
const MANIFEST = { networkPassphrase: TESTNET, version: "1.0", compression: "zstd", ledgersPerBatch: 1, batchesPerPartition: 64000 };
const where = { location: "/lake", networkPassphrase: TESTNET };

describe("parseManifest()", () => {
  test("parseManifest() reads the fixture manifest", async () => {
    const path = `${import.meta.dir}/../../../shared/fixtures/ledgers/testnet-997-999-datastore/.config.json`;
    expect(parseManifest(await Bun.file(path).bytes(), path)).toEqual(MANIFEST);
  });

  test("parseManifest() inverts encodeManifest()", () => {
    expect(parseManifest(encodeManifest(MANIFEST), "m")).toEqual(MANIFEST);
  });

  test("parseManifest() accepts unknown fields (SEP-0054 ledgersPath)", () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...MANIFEST, ledgersPath: "ledgers" }));
    expect(parseManifest(bytes, "m").ledgersPerBatch).toBe(1);
  });

  test.each([
    ["not JSON", "{networkPassphrase:"],
    ["a missing field", JSON.stringify({ ...MANIFEST, ledgersPerBatch: undefined })],
    ["a string count", JSON.stringify({ ...MANIFEST, batchesPerPartition: "64000" })],
    ["an empty passphrase", JSON.stringify({ ...MANIFEST, networkPassphrase: "" })],
  ])("parseManifest() rejects %s as a corrupt object naming its location", (_what, text) => {
    const parse = () => parseManifest(new TextEncoder().encode(text), "/lake/.config.json");
    expect(parse).toThrow(LakeCorruptObjectError);
    expect(parse).toThrow("/lake/.config.json");
  });
});

describe("resolveSchema()", () => {
  test("resolveSchema() takes the schema from the manifest", () => {
    expect(resolveSchema(MANIFEST, { ...where, configured: {} })).toEqual({ ledgersPerFile: 1, filesPerPartition: 64000, from: "manifest" });
  });

  test("resolveSchema() accepts configured values that agree with the manifest", () => {
    expect(resolveSchema(MANIFEST, { ...where, configured: { ledgersPerFile: 1, filesPerPartition: 64000 } }).from).toBe("manifest");
  });

  test("resolveSchema() fails on another network, naming both passphrases", () => {
    const resolve = () => resolveSchema(MANIFEST, { ...where, networkPassphrase: "Public Global Stellar Network ; September 2015", configured: {} });
    expect(resolve).toThrow(LakeConfigError);
    expect(resolve).toThrow(/"Test SDF Network ; September 2015" but \[ingestion\] network_passphrase is "Public Global Stellar Network ; September 2015"/);
  });

  test("resolveSchema() fails on a configured files_per_partition that contradicts the manifest", () => {
    expect(() => resolveSchema(MANIFEST, { ...where, configured: { filesPerPartition: 10 } })).toThrow(/files_per_partition = 10 but the lake's manifest says 64000/);
  });

  test("resolveSchema() rejects a compression other than zstd", () => {
    expect(() => resolveSchema({ ...MANIFEST, compression: "gzip" }, { ...where, configured: {} })).toThrow(/compression is "gzip"/);
  });

  test("resolveSchema() without a manifest needs both configured values", () => {
    expect(() => resolveSchema(undefined, { ...where, configured: { ledgersPerFile: 1 } })).toThrow(/both required/);
    expect(resolveSchema(undefined, { ...where, configured: { ledgersPerFile: 8, filesPerPartition: 2 } })).toEqual({ ledgersPerFile: 8, filesPerPartition: 2, from: "config" });
  });

  test("resolveSchema() without a manifest rejects a zero ledgers_per_file", () => {
    expect(() => resolveSchema(undefined, { ...where, configured: { ledgersPerFile: 0, filesPerPartition: 2 } })).toThrow(LakeConfigError);
  });
});

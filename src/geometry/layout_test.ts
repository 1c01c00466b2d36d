import { describe, expect, test } from "bun:test";
import { relative } from "node:path";
import { InvariantError } from "../assert.ts";
import { type ChunkId, type WindowId, CHUNK_ID_MAX } from "./chunk.ts";
import { ARTIFACT_KINDS, chunkKey, hotKey, indexKey } from "./keys.ts";
import { Layout, type StorageRootName, type StorageRoots, STORAGE_ROOT_NAMES } from "./layout.ts";
import { type IndexCoverage, WindowGeometry } from "./windows.ts";

const chunk = (value: number) => value as ChunkId;
const wid = (value: number) => value as WindowId;
const coverage = (windowId: number, lo: number, hi: number): IndexCoverage => ({ windowId: wid(windowId), lo: chunk(lo), hi: chunk(hi) });

const ROOTS: StorageRoots = {
  catalog: "/d/catalog/rocksdb",
  ledgers: "/d/ledgers",
  events: "/d/events",
  txhashRaw: "/d/txhash/raw",
  txhashIndex: "/d/txhash/index",
  hot: "/d/hot",
};
const layout = new Layout(ROOTS, new WindowGeometry());

describe("key → path (TestKeyToPathBijection, reference §3.1)", () => {
  test("chunk 5350's artifacts live in bucket 00005 of their kind's root", () => {
    expect(layout.ledgerPackPath(chunk(5350))).toBe("/d/ledgers/00005/00005350.pack");
    expect(layout.txhashRunPath(chunk(5350))).toBe("/d/txhash/raw/00005/00005350.bin");
    expect(layout.eventsPaths(chunk(5350))).toEqual({
      eventsPack: "/d/events/00005/00005350-events.pack",
      indexPack: "/d/events/00005/00005350-index.pack",
      indexHash: "/d/events/00005/00005350-index.hash",
    });
  });

  test("artifactPaths() lists 1 ledger file, 3 events files in sweep order and 1 txhash file", () => {
    expect(layout.artifactPaths(chunk(0), "ledgers")).toEqual(["/d/ledgers/00000/00000000.pack"]);
    expect(layout.artifactPaths(chunk(0), "events")).toEqual([
      "/d/events/00000/00000000-events.pack",
      "/d/events/00000/00000000-index.pack",
      "/d/events/00000/00000000-index.hash",
    ]);
    expect(layout.artifactPaths(chunk(0), "txhash")).toEqual(["/d/txhash/raw/00000/00000000.bin"]);
  });

  test("bucketDir() is the parent of every artifact path of the chunk", () => {
    for (const kind of ARTIFACT_KINDS) {
      for (const path of layout.artifactPaths(chunk(1999), kind)) {
        expect(path.startsWith(`${layout.bucketDir(chunk(1999), kind)}/`)).toBe(true);
      }
    }
    expect(layout.bucketDir(chunk(1999), "ledgers")).toBe("/d/ledgers/00001");
  });

  test("an index coverage lives at {txhash_index}/{w}/{lo}-{hi}.idx; a hot DB at {hot}/{chunk}", () => {
    expect(layout.indexPath(coverage(5, 5100, 5350))).toBe("/d/txhash/index/00000005/00005100-00005350.idx");
    expect(layout.indexWindowDir(wid(5))).toBe("/d/txhash/index/00000005");
    expect(layout.hotDbDir(chunk(42))).toBe("/d/hot/00000042");
    expect(layout.catalogDbDir()).toBe("/d/catalog/rocksdb");
  });

  test("indexPath() refuses a coverage that is reversed or leaves its window", () => {
    expect(() => layout.indexPath(coverage(5, 5350, 5100))).toThrow(InvariantError);
    expect(() => layout.indexPath(coverage(5, 5100, 6000))).toThrow(InvariantError);
  });

  test("the layout copies and freezes its roots", () => {
    const roots = { ...ROOTS };
    const copy = new Layout(roots, new WindowGeometry());
    roots.ledgers = "/elsewhere";
    expect(copy.ledgerPackPath(chunk(0))).toBe("/d/ledgers/00000/00000000.pack");
    expect(Object.isFrozen(copy.roots)).toBe(true);
  });
});

describe("Layout.keyOfPath() inverts key → path", () => {
  const rootRelative = (rootName: StorageRootName, path: string) => relative(ROOTS[rootName], path);

  test("every artifact file maps back to its chunk key", () => {
    for (const chunkId of [0, 1, 999, 1000, 5350, CHUNK_ID_MAX].map(chunk)) {
      for (const path of layout.artifactPaths(chunkId, "ledgers")) {
        expect(layout.keyOfPath("ledgers", rootRelative("ledgers", path))).toBe(chunkKey(chunkId, "ledgers"));
      }
      for (const path of layout.artifactPaths(chunkId, "events")) {
        expect(layout.keyOfPath("events", rootRelative("events", path))).toBe(chunkKey(chunkId, "events"));
      }
      for (const path of layout.artifactPaths(chunkId, "txhash")) {
        expect(layout.keyOfPath("txhashRaw", rootRelative("txhashRaw", path))).toBe(chunkKey(chunkId, "txhash"));
      }
      expect(layout.keyOfPath("hot", rootRelative("hot", layout.hotDbDir(chunkId)))).toBe(hotKey(chunkId));
    }
  });

  test("every index file maps back to its coverage key, for 1000- and 4-chunk windows", () => {
    for (const original of [coverage(0, 0, 999), coverage(5, 5100, 5350), coverage(429, 429_000, CHUNK_ID_MAX)]) {
      expect(layout.keyOfPath("txhashIndex", rootRelative("txhashIndex", layout.indexPath(original)))).toBe(indexKey(original));
    }
    const small = new Layout(ROOTS, new WindowGeometry(4));
    const smallCoverage = coverage(1, 4, 6);
    expect(small.keyOfPath("txhashIndex", rootRelative("txhashIndex", small.indexPath(smallCoverage)))).toBe(indexKey(smallCoverage));
  });

  test.each<[string, StorageRootName, string]>([
    ["a pack in the wrong bucket", "ledgers", "00001/00000005.pack"],
    ["a pack outside any bucket", "ledgers", "00000005.pack"],
    ["a pack nested one level too deep", "ledgers", "00000/x/00000005.pack"],
    ["a 7-digit pack name", "ledgers", "00000/0000005.pack"],
    ["a 4-digit bucket", "ledgers", "0000/00000005.pack"],
    ["a temp file beside a pack", "ledgers", "00000/00000005.pack.tmp"],
    ["the lock file", "ledgers", "fullhistory.lock"],
    ["a pack past CHUNK_ID_MAX", "ledgers", "99999/99999999.pack"],
    ["a .bin in the ledgers root", "ledgers", "00000/00000005.bin"],
    ["an unknown events suffix", "events", "00000/00000005-events.idx"],
    ["a bare events chunk name", "events", "00000/00000005.pack"],
    ["a pack in the txhash_raw root", "txhashRaw", "00000/00000005.pack"],
    ["an index with lo > hi", "txhashIndex", "00000005/00005350-00005100.idx"],
    ["an index outside its window", "txhashIndex", "00000005/00005100-00006000.idx"],
    ["an index in the wrong window dir", "txhashIndex", "00000004/00005100-00005350.idx"],
    ["an index window dir itself", "txhashIndex", "00000005"],
    ["an index past CHUNK_ID_MAX", "txhashIndex", "00099999/99999000-99999999.idx"],
    ["a hot dir with 7 digits", "hot", "0000042"],
    ["a file inside a hot DB", "hot", "00000042/CURRENT"],
    ["a hot dir past CHUNK_ID_MAX", "hot", "99999999"],
    ["anything in the catalog root", "catalog", "CURRENT"],
  ])("keyOfPath() returns undefined for %s", (_name, rootName, relativePath) => {
    expect(layout.keyOfPath(rootName, relativePath)).toBeUndefined();
  });

  test("STORAGE_ROOT_NAMES lists the six roots in lock order (reference §4.5)", () => {
    expect(STORAGE_ROOT_NAMES).toEqual(["catalog", "ledgers", "events", "txhashRaw", "txhashIndex", "hot"]);
  });
});

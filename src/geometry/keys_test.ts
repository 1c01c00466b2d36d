import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { FatalError } from "../errors.ts";
import { type ChunkId, type WindowId, CHUNK_ID_MAX } from "./chunk.ts";
import {
  ARTIFACT_KINDS,
  ARTIFACT_STATES,
  CatalogKeyError,
  chunkKey,
  chunkKeyRange,
  EARLIEST_LEDGER_KEY,
  HOT_STATES,
  hotKey,
  indexKey,
  indexKeyPrefix,
  parseArtifactState,
  parseCatalogKey,
  parseChunkKey,
  parseHotKey,
  parseHotState,
  parseIndexKey,
} from "./keys.ts";
import { type IndexCoverage, WindowGeometry } from "./windows.ts";

const chunk = (value: number) => value as ChunkId;
const wid = (value: number) => value as WindowId;
const coverage = (windowId: number, lo: number, hi: number): IndexCoverage => ({ windowId: wid(windowId), lo: chunk(lo), hi: chunk(hi) });
const windows = new WindowGeometry();
const SAMPLE_CHUNKS = [0, 1, 9, 999, 1000, 5350, 99_999, CHUNK_ID_MAX].map(chunk);

describe("key constructors (TestKeyConstructorsMatchSpec, D2)", () => {
  test("chunkKey() spells chunk:{%08d}:{kind}", () => {
    expect(chunkKey(chunk(5350), "ledgers")).toBe("chunk:00005350:ledgers");
    expect(chunkKey(chunk(0), "events")).toBe("chunk:00000000:events");
    expect(chunkKey(chunk(42), "txhash")).toBe("chunk:00000042:txhash");
  });

  test("chunkKeyRange() holds every key of chunks lo..hi and none of their neighbours", () => {
    const { fromKey, toKeyExclusive } = chunkKeyRange(chunk(7), chunk(9));
    const inside = (key: string): boolean => key >= fromKey && key < toKeyExclusive;
    for (const kind of ARTIFACT_KINDS) {
      expect(inside(chunkKey(chunk(7), kind))).toBe(true);
      expect(inside(chunkKey(chunk(9), kind))).toBe(true);
      expect(inside(chunkKey(chunk(6), kind))).toBe(false);
      expect(inside(chunkKey(chunk(10), kind))).toBe(false);
    }
    expect(() => chunkKeyRange(chunk(9), chunk(7))).toThrow(/reversed/);
  });

  test("indexKey() spells index:{w}:{lo}:{hi} and starts with indexKeyPrefix(w)", () => {
    expect(indexKey(coverage(5, 5100, 5350))).toBe("index:00000005:00005100:00005350");
    expect(indexKey(coverage(0, 0, 999))).toBe("index:00000000:00000000:00000999");
    expect(indexKeyPrefix(wid(5))).toBe("index:00000005:");
    expect(indexKey(coverage(5, 5100, 5350)).startsWith(indexKeyPrefix(wid(5)))).toBe(true);
  });

  test("hotKey() spells hot:chunk:{%08d}; the pin key is config:earliest_ledger", () => {
    expect(hotKey(chunk(42))).toBe("hot:chunk:00000042");
    expect(EARLIEST_LEDGER_KEY).toBe("config:earliest_ledger");
  });

  test("zero-padding makes byte order equal numeric order (reference §2)", () => {
    const keys = SAMPLE_CHUNKS.map((chunkId) => chunkKey(chunkId, "ledgers"));
    expect([...keys].sort()).toEqual(keys);
  });

  // TestIndexKeyPanicsOnLoGreaterThanHi
  test("indexKey() refuses a coverage with lo > hi (a programmer error)", () => {
    expect(() => indexKey(coverage(5, 5350, 5100))).toThrow(InvariantError);
  });

  test("chunkKey() and hotKey() refuse a chunk past CHUNK_ID_MAX, which no parser would accept", () => {
    expect(() => chunkKey(chunk(CHUNK_ID_MAX + 1), "ledgers")).toThrow(InvariantError);
    expect(() => hotKey(chunk(CHUNK_ID_MAX + 1))).toThrow(InvariantError);
  });
});

describe("construct ↔ parse bijection", () => {
  test("parseChunkKey(chunkKey(c, kind)) returns (c, kind) for every kind (TestChunkKeyBijection)", () => {
    for (const chunkId of SAMPLE_CHUNKS) {
      for (const kind of ARTIFACT_KINDS) {
        const key = chunkKey(chunkId, kind);
        expect(parseChunkKey(key)).toEqual({ chunkId, kind });
        expect(chunkKey(parseChunkKey(key).chunkId, parseChunkKey(key).kind)).toBe(key);
      }
    }
  });

  test("parseIndexKey(indexKey(cov)) returns cov for 1000- and 4-chunk windows (TestIndexKeyBijection)", () => {
    const cases: [WindowGeometry, IndexCoverage[]][] = [
      [windows, [coverage(0, 0, 0), coverage(0, 0, 999), coverage(5, 5100, 5350), coverage(429, 429_000, CHUNK_ID_MAX)]],
      [new WindowGeometry(4), [coverage(0, 0, 3), coverage(1, 5, 6), coverage(2, 8, 8)]],
    ];
    for (const [geometry, coverages] of cases) {
      for (const original of coverages) {
        const key = indexKey(original);
        expect(parseIndexKey(key, geometry)).toEqual(original);
        expect(indexKey(parseIndexKey(key, geometry))).toBe(key);
      }
    }
  });

  test("parseHotKey(hotKey(c)) returns c (TestHotKeyBijection)", () => {
    for (const chunkId of SAMPLE_CHUNKS) {
      expect(parseHotKey(hotKey(chunkId))).toBe(chunkId);
      expect(hotKey(parseHotKey(hotKey(chunkId)))).toBe(hotKey(chunkId));
    }
  });

  test("parseCatalogKey() dispatches every family by its prefix", () => {
    expect(parseCatalogKey("chunk:00000007:events", windows)).toEqual({ family: "chunk", chunkId: chunk(7), kind: "events" });
    expect(parseCatalogKey("index:00000005:00005100:00005350", windows)).toEqual({ family: "index", coverage: coverage(5, 5100, 5350) });
    expect(parseCatalogKey("hot:chunk:00000042", windows)).toEqual({ family: "hot", chunkId: chunk(42) });
    expect(parseCatalogKey(EARLIEST_LEDGER_KEY, windows)).toEqual({ family: "config", name: "earliest_ledger" });
  });
});

describe("malformed keys are rejected, never skipped (TestParseRejectsMalformed, D2)", () => {
  test.each([
    ["7-digit chunk id", "chunk:0000001:ledgers"],
    ["9-digit chunk id", "chunk:000000001:ledgers"],
    ["unknown kind", "chunk:00000001:ledger"],
    ["upper-case kind", "chunk:00000001:LEDGERS"],
    ["non-digit in the id", "chunk:0000000a:ledgers"],
    ["signed id", "chunk:+0000001:ledgers"],
    ["trailing segment", "chunk:00000001:ledgers:x"],
    ["trailing newline", "chunk:00000001:ledgers\n"],
    ["leading space", " chunk:00000001:ledgers"],
    ["missing kind", "chunk:00000001"],
    ["chunk past CHUNK_ID_MAX", `chunk:00${CHUNK_ID_MAX + 1}:ledgers`],
    ["largest 8-digit id", "chunk:99999999:ledgers"],
  ])("parseChunkKey() rejects a %s: %p", (_name, key) => {
    expect(() => parseChunkKey(key)).toThrow(CatalogKeyError);
  });

  test.each([
    ["7-digit hi", "index:00000005:00005100:0005350"],
    ["two segments", "index:00000005:00005100"],
    ["four segments", "index:00000005:00005100:00005350:00005351"],
    ["lo > hi", "index:00000005:00005350:00005100"],
    ["lo in the previous window", "index:00000005:00004999:00005100"],
    ["hi in the next window", "index:00000005:00005100:00006000"],
    ["wrong window id", "index:00000004:00005100:00005350"],
    ["the reference's prefix", "txhash_index:00000005:00005100:00005350"],
    ["hi past CHUNK_ID_MAX", `index:00000429:00429000:00${CHUNK_ID_MAX + 1}`],
  ])("parseIndexKey() rejects %s: %p", (_name, key) => {
    expect(() => parseIndexKey(key, windows)).toThrow(CatalogKeyError);
  });

  test("parseIndexKey() judges coverage against the window size it is given", () => {
    expect(parseIndexKey("index:00000001:00000004:00000007", new WindowGeometry(4))).toEqual(coverage(1, 4, 7));
    expect(() => parseIndexKey("index:00000001:00000004:00000008", new WindowGeometry(4))).toThrow(CatalogKeyError);
    expect(() => parseIndexKey("index:00000001:00000004:00000007", windows)).toThrow(CatalogKeyError);
  });

  test.each([
    ["missing chunk: segment", "hot:00000042"],
    ["7 digits", "hot:chunk:0000042"],
    ["trailing segment", "hot:chunk:00000042:ready"],
    ["chunk past CHUNK_ID_MAX", `hot:chunk:00${CHUNK_ID_MAX + 1}`],
  ])("parseHotKey() rejects %s: %p", (_name, key) => {
    expect(() => parseHotKey(key)).toThrow(CatalogKeyError);
  });

  test.each(["config:chunks_per_txhash_index", "txhash_index:00000000:00000000:00000999", "Chunk:00000001:ledgers", "", "meta"])(
    "parseCatalogKey() rejects unknown family %p",
    (key) => {
      expect(() => parseCatalogKey(key, windows)).toThrow(CatalogKeyError);
    },
  );

  test("CatalogKeyError is fatal (D11): restarting cannot fix a catalog that is not ours", () => {
    expect(() => parseChunkKey("chunk:1:ledgers")).toThrow(FatalError);
  });

  test("a malformed key's message quotes the key", () => {
    expect(() => parseChunkKey("chunk:0000001:ledgers")).toThrow('"chunk:0000001:ledgers"');
  });
});

describe("values", () => {
  test("parseArtifactState() accepts exactly freezing, frozen and pruning", () => {
    for (const state of ARTIFACT_STATES) expect(parseArtifactState(state, "k")).toBe(state);
    for (const bad of ["Frozen", "", "ready", "transient", "frozen "]) {
      expect(() => parseArtifactState(bad, "k")).toThrow(CatalogKeyError);
    }
  });

  test("parseHotState() accepts exactly transient and ready", () => {
    for (const state of HOT_STATES) expect(parseHotState(state, "k")).toBe(state);
    for (const bad of ["frozen", "", "Ready"]) expect(() => parseHotState(bad, "k")).toThrow(CatalogKeyError);
  });
});

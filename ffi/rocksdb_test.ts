import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError } from "../src/assert.ts";
import {
  type Db,
  RocksDbClosedError,
  RocksDbError,
  RocksDbLoadError,
  batchCount,
  batchDelete,
  batchPut,
  closeDb,
  columnFamily,
  columnFamilyId,
  createBatch,
  createBatchFrom,
  deleteKey,
  destroyBatch,
  flushDb,
  get,
  lastEntry,
  loadRocksLibrary,
  openDb,
  put,
  scanPrefix,
  scanRange,
  writeBatch,
} from "./rocksdb.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);
const keysOf = (entries: Iterable<{ key: Uint8Array }>): string[] => Array.from(entries, (entry) => text(entry.key));

let tempDir: string;
let opened: Db[];

beforeEach(() => {
  tempDir = mkdtempSync(join(tmpdir(), "fullhistory-rocksdb-"));
  opened = [];
});

afterEach(() => {
  for (const db of opened) closeDb(db);
  rmSync(tempDir, { recursive: true, force: true });
});

function open(name: string, options: Partial<Parameters<typeof openDb>[1]> = {}): Db {
  const db = openDb(join(tempDir, name), { createIfMissing: true, readOnly: false, ...options });
  opened.push(db);
  return db;
}

describe("openDb()", () => {
  test("creates a database and reopens it with its data", () => {
    const db = open("db");
    put(db, bytes("k"), bytes("v"), { sync: true });
    closeDb(db);
    const again = open("db", { createIfMissing: false });
    expect(text(get(again, bytes("k"))!)).toBe("v");
  });

  test("fails on a missing database without createIfMissing, with RocksDB's message", () => {
    expect(() => open("absent", { createIfMissing: false })).toThrow(/does not exist \(create_if_missing is false\)/);
  });

  test("fails when the parent directory is missing and names the path", () => {
    expect(() => open("no/such/parent")).toThrow(
      /^Cannot create the database directory \(RocksDB ".*no\/such\/parent"\): ENOENT: its parent directory does not exist$/,
    );
  });

  test("read-only open sees the data and RocksDB rejects its writes", () => {
    const db = open("db");
    put(db, bytes("k"), bytes("v"), { sync: true });
    const readOnly = open("db", { createIfMissing: false, readOnly: true });
    expect(readOnly.readOnly).toBe(true);
    expect(text(get(readOnly, bytes("k"))!)).toBe("v");
    expect(() => put(readOnly, bytes("k2"), bytes("v"), { sync: true })).toThrow(
      /Cannot put key "k2" \(RocksDB ".*"\): Not implemented: Not supported operation in read only mode\./,
    );
  });

  test("a second open of a live database in the same process fails with RocksDB's LOCK message", () => {
    open("db");
    let caught: unknown;
    try {
      open("db");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RocksDbError);
    expect((caught as RocksDbError).operation).toBe("open");
    expect((caught as RocksDbError).detail).toMatch(/^IO error: lock hold by current process.*\/LOCK: No locks available$/);
  });

  test("a live writer in another process holds RocksDB's LOCK until it is killed with SIGKILL", async () => {
    const dbPath = join(tempDir, "db");
    const script = `
      import { openDb } from ${JSON.stringify(join(import.meta.dir, "rocksdb.ts"))};
      openDb(${JSON.stringify(dbPath)}, { createIfMissing: true, readOnly: false });
      console.log("open");
      await Bun.stdin.text();`;
    const child = Bun.spawn([process.execPath, "-e", script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    try {
      const reader = child.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("open\n");
      expect(() => open("db")).toThrow(/Cannot open \(RocksDB ".*"\): IO error: While lock file: .*\/LOCK: Resource temporarily unavailable/);
      expect(open("db", { readOnly: true, createIfMissing: false }).readOnly).toBe(true); // read-only takes no LOCK
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    expect(open("db").readOnly).toBe(false); // the kernel dropped the dead writer's lock at once
  });

  test("creates column families and reopens with them", () => {
    const db = open("db", { columnFamilies: ["ledgers", "cf-0"] });
    put(db, bytes("k"), bytes("in ledgers"), { sync: true, cf: columnFamily(db, "ledgers") });
    closeDb(db);
    const again = open("db", { createIfMissing: false, columnFamilies: ["ledgers", "cf-0"] });
    expect(text(get(again, bytes("k"), { cf: columnFamily(again, "ledgers") })!)).toBe("in ledgers");
    expect(get(again, bytes("k"))).toBeUndefined();
    expect(get(again, bytes("k"), { cf: columnFamily(again, "cf-0") })).toBeUndefined();
  });

  test("rejects a database whose column families are not all listed, naming them", () => {
    closeDb(open("db", { columnFamilies: ["events", "txs", "ledgers"] }));
    expect(() => open("db", { columnFamilies: ["txs"] })).toThrow(/did not list: events, ledgers$/);
    expect(() => open("db", { readOnly: true, columnFamilies: ["txs"] })).toThrow(/did not list: events, ledgers$/);
  });

  test("read-only open of a column family that does not exist fails with RocksDB's message", () => {
    closeDb(open("db"));
    expect(() => open("db", { readOnly: true, columnFamilies: ["nope"] })).toThrow(/Invalid argument: Column family not found: nope/);
  });

  test("the hot profile opens, writes every column family and survives flush and reopen", () => {
    const families = ["ledgers", "events_data", "events_index", "events_offsets", "cf-0"];
    const db = open("hot", { profile: "hot", columnFamilies: families });
    for (const name of families) put(db, bytes(`key-${name}`), bytes(name), { sync: true, cf: columnFamily(db, name) });
    flushDb(db);
    closeDb(db);
    const again = open("hot", { profile: "hot", createIfMissing: false, columnFamilies: families });
    for (const name of families) expect(text(get(again, bytes(`key-${name}`), { cf: columnFamily(again, name) })!)).toBe(name);
  });

  test("rejects a column family listed twice", () => {
    expect(() => open("db", { columnFamilies: ["a", "a"] })).toThrow(InvariantError);
    expect(() => open("db", { columnFamilies: ["default"] })).toThrow(InvariantError);
  });
});

describe("get() / put() / deleteKey()", () => {
  test("get() of a missing key is undefined and an empty value is an empty array", () => {
    const db = open("db");
    put(db, bytes("empty"), new Uint8Array(0), { sync: true });
    expect(get(db, bytes("missing"))).toBeUndefined();
    expect(get(db, bytes("empty"))).toEqual(new Uint8Array(0));
  });

  test("keys and values may be empty, binary, or views into a larger buffer", () => {
    const db = open("db");
    const backing = new Uint8Array([9, 9, 0, 1, 255, 9, 9]);
    const key = backing.subarray(2, 5);
    put(db, key, backing.subarray(1, 6), { sync: false });
    put(db, new Uint8Array(0), bytes("empty key"), { sync: false });
    expect(get(db, new Uint8Array([0, 1, 255]))).toEqual(new Uint8Array([9, 0, 1, 255, 9]));
    expect(text(get(db, new Uint8Array(0))!)).toBe("empty key");
  });

  test("a returned value is a copy that later writes do not change", () => {
    const db = open("db");
    put(db, bytes("k"), bytes("one"), { sync: true });
    const first = get(db, bytes("k"))!;
    put(db, bytes("k"), bytes("two"), { sync: true });
    expect(text(first)).toBe("one");
  });

  test("deleteKey() removes a key and deleting an absent key is fine", () => {
    const db = open("db");
    put(db, bytes("k"), bytes("v"), { sync: true });
    deleteKey(db, bytes("k"), { sync: true });
    deleteKey(db, bytes("never"), { sync: true });
    expect(get(db, bytes("k"))).toBeUndefined();
  });

  test("a column family of another database is rejected", () => {
    const first = open("one", { columnFamilies: ["x"] });
    const second = open("two", { columnFamilies: ["x"] });
    expect(() => get(second, bytes("k"), { cf: columnFamily(first, "x") })).toThrow(InvariantError);
  });

  test("columnFamily() of a family not opened is rejected", () => {
    const db = open("db");
    expect(columnFamily(db, "default").name).toBe("default");
    expect(() => columnFamily(db, "ledgers")).toThrow(/column family "ledgers" was not opened/);
  });
});

describe("batches", () => {
  test("writeBatch() applies puts and deletes across column families together", () => {
    const db = open("db", { columnFamilies: ["a", "b"] });
    put(db, bytes("gone"), bytes("x"), { sync: true, cf: columnFamily(db, "b") });
    const batch = createBatch();
    try {
      batchPut(batch, bytes("k"), bytes("default"));
      batchPut(batch, bytes("k"), bytes("in a"), { cf: columnFamily(db, "a") });
      batchDelete(batch, bytes("gone"), { cf: columnFamily(db, "b") });
      expect(batchCount(batch)).toBe(3);
      expect(get(db, bytes("k"))).toBeUndefined(); // nothing visible before the write
      writeBatch(db, batch, { sync: true });
    } finally {
      destroyBatch(batch);
    }
    expect(text(get(db, bytes("k"))!)).toBe("default");
    expect(text(get(db, bytes("k"), { cf: columnFamily(db, "a") })!)).toBe("in a");
    expect(get(db, bytes("gone"), { cf: columnFamily(db, "b") })).toBeUndefined();
  });

  test("a failed writeBatch() applies nothing", () => {
    const db = open("db", { columnFamilies: ["a"] });
    closeDb(db);
    const readOnly = open("db", { createIfMissing: false, readOnly: true, columnFamilies: ["a"] });
    const batch = createBatch();
    try {
      batchPut(batch, bytes("k1"), bytes("v"));
      batchPut(batch, bytes("k2"), bytes("v"), { cf: columnFamily(readOnly, "a") });
      expect(() => writeBatch(readOnly, batch, { sync: true })).toThrow(/Cannot write a batch of 2 operations .*read only mode/);
    } finally {
      destroyBatch(batch);
    }
    expect(get(readOnly, bytes("k1"))).toBeUndefined();
  });

  test("the later operation on a key wins inside one batch (delete after put)", () => {
    const db = open("db");
    const batch = createBatch();
    try {
      batchPut(batch, bytes("k"), bytes("v"));
      batchDelete(batch, bytes("k"));
      batchPut(batch, bytes("j"), bytes("v"));
      writeBatch(db, batch, { sync: true });
    } finally {
      destroyBatch(batch);
    }
    expect(get(db, bytes("k"))).toBeUndefined();
    expect(text(get(db, bytes("j"))!)).toBe("v");
  });

  test("batchPut() copies the bytes: changing the caller's array later changes nothing", () => {
    const db = open("db");
    const value = bytes("before");
    const batch = createBatch();
    try {
      batchPut(batch, bytes("k"), value);
      value.set(bytes("after!"));
      writeBatch(db, batch, { sync: false });
    } finally {
      destroyBatch(batch);
    }
    expect(text(get(db, bytes("k"))!)).toBe("before");
  });

  test("a destroyed batch cannot be used and destroyBatch() is idempotent", () => {
    const batch = createBatch();
    destroyBatch(batch);
    destroyBatch(batch);
    expect(() => batchPut(batch, bytes("k"), bytes("v"))).toThrow(InvariantError);
    expect(() => batchCount(batch)).toThrow(InvariantError);
  });

  test("a batch naming one database's column family cannot be written to another", () => {
    const first = open("one", { columnFamilies: ["x"] });
    const second = open("two", { columnFamilies: ["x"] });
    const batch = createBatch();
    try {
      batchPut(batch, bytes("k"), bytes("v"), { cf: columnFamily(first, "x") });
      expect(() => writeBatch(second, batch, { sync: true })).toThrow(InvariantError);
      expect(() => batchPut(batch, bytes("k"), bytes("v"), { cf: columnFamily(second, "x") })).toThrow(InvariantError);
    } finally {
      destroyBatch(batch);
    }
  });
});

describe("createBatchFrom()", () => {
  /** A serialized WriteBatch (db/write_batch.cc): header with `count`, then column family puts (short keys and values). */
  function serialized(count: number, puts: ReadonlyArray<{ cfId: number; key: string; value: string }>): Uint8Array {
    const parts: number[] = [0, 0, 0, 0, 0, 0, 0, 0, count & 0xff, (count >>> 8) & 0xff, (count >>> 16) & 0xff, count >>> 24];
    for (const entry of puts) parts.push(0x05, entry.cfId, entry.key.length, ...bytes(entry.key), entry.value.length, ...bytes(entry.value));
    return Uint8Array.from(parts);
  }

  test("a batch serialized elsewhere writes its puts into the column families its ids name", () => {
    const db = open("db", { columnFamilies: ["x", "y"] });
    const x = columnFamily(db, "x");
    const y = columnFamily(db, "y");
    expect([columnFamilyId(columnFamily(db, "default")), columnFamilyId(x), columnFamilyId(y)]).toEqual([0, 1, 2]);
    const batch = createBatchFrom(db, serialized(2, [{ cfId: 1, key: "k1", value: "v1" }, { cfId: 2, key: "k2", value: "v2" }]));
    try {
      expect(batchCount(batch)).toBe(2);
      writeBatch(db, batch, { sync: true });
    } finally {
      destroyBatch(batch);
    }
    expect(text(get(db, bytes("k1"), { cf: x })!)).toBe("v1");
    expect(text(get(db, bytes("k2"), { cf: y })!)).toBe("v2");
    expect(get(db, bytes("k1"), { cf: y })).toBeUndefined();
  });

  test("RocksDB checks a serialized batch's count only after applying its records: the caller must check it first", () => {
    // Why src/hot's checkPreparedBatch parses every record before the write: RocksDB 7.8 reports
    // "WriteBatch has wrong count" but the records it found are already in the WAL and memtable.
    const db = open("db", { columnFamilies: ["x"] });
    const batch = createBatchFrom(db, serialized(3, [{ cfId: 1, key: "k1", value: "v1" }, { cfId: 1, key: "k2", value: "v2" }]));
    try {
      expect(() => writeBatch(db, batch, { sync: true })).toThrow(/WriteBatch has wrong count/);
    } finally {
      destroyBatch(batch);
    }
    expect(text(get(db, bytes("k1"), { cf: columnFamily(db, "x") })!)).toBe("v1");
  });

  test("bytes shorter than the header, or a batch written to another database, are refused", () => {
    const db = open("db", { columnFamilies: ["x"] });
    const other = open("other", { columnFamilies: ["x"] });
    expect(() => createBatchFrom(db, new Uint8Array(11))).toThrow(InvariantError);
    const batch = createBatchFrom(db, serialized(1, [{ cfId: 1, key: "k", value: "v" }]));
    try {
      expect(() => writeBatch(other, batch, { sync: true })).toThrow(InvariantError);
    } finally {
      destroyBatch(batch);
    }
  });
});

describe("scans", () => {
  function seeded(): Db {
    const db = open("db", { columnFamilies: ["other"] });
    const batch = createBatch();
    try {
      for (const key of ["a", "b:1", "b:2", "b:3", "b;", "c", "b", "b:\xff"]) batchPut(batch, bytes(key), bytes(`v-${key}`));
      batchPut(batch, bytes("b:9"), bytes("in other"), { cf: columnFamily(db, "other") });
      writeBatch(db, batch, { sync: true });
    } finally {
      destroyBatch(batch);
    }
    return db;
  }

  test("scanPrefix() yields exactly the prefixed keys in ascending order, values copied", () => {
    const db = seeded();
    const entries = [...scanPrefix(db, bytes("b:"))];
    expect(keysOf(entries)).toEqual(["b:1", "b:2", "b:3", "b:\xff"]);
    expect(text(entries[0]!.value)).toBe("v-b:1");
    expect(keysOf(scanPrefix(db, bytes("b:"), { cf: columnFamily(db, "other") }))).toEqual(["b:9"]);
    expect(keysOf(scanPrefix(db, bytes("zz")))).toEqual([]);
  });

  test("scanPrefix() with an empty prefix or an all-0xff prefix has no upper bound", () => {
    const db = open("db");
    for (const key of [[0xff], [0xff, 0xff], [0xff, 0xff, 0x00], [0x00]]) put(db, new Uint8Array(key), new Uint8Array(0), { sync: false });
    expect([...scanPrefix(db, new Uint8Array(0))].length).toBe(4);
    expect([...scanPrefix(db, new Uint8Array([0xff, 0xff]))].map((entry) => [...entry.key])).toEqual([[0xff, 0xff], [0xff, 0xff, 0x00]]);
  });

  test("breaking out of scanPrefix() early ends the scan and the database still closes", () => {
    const db = seeded();
    const seen: string[] = [];
    for (const entry of scanPrefix(db, bytes("b"))) {
      seen.push(text(entry.key));
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["b", "b:1"]);
    closeDb(db);
  });

  test("scanRange() honours both bounds in both directions", () => {
    const db = seeded();
    expect(keysOf(scanRange(db, { fromKey: bytes("b:1"), toKeyExclusive: bytes("b:3") }))).toEqual(["b:1", "b:2"]);
    expect(keysOf(scanRange(db, { fromKey: bytes("b:1"), toKeyExclusive: bytes("b:3"), reverse: true }))).toEqual(["b:2", "b:1"]);
    expect(keysOf(scanRange(db, { toKeyExclusive: bytes("b") }))).toEqual(["a"]);
    expect(keysOf(scanRange(db, { fromKey: bytes("b;") }))).toEqual(["b;", "c"]);
    expect(keysOf(scanRange(db, { fromKey: bytes("b;"), reverse: true }))).toEqual(["c", "b;"]);
    expect(keysOf(scanRange(db, { reverse: true })).length).toBe(8);
    expect(keysOf(scanRange(db, { fromKey: bytes("b"), toKeyExclusive: bytes("b") }))).toEqual([]);
    expect(keysOf(scanRange(db, { toKeyExclusive: new Uint8Array(0) }))).toEqual([]);
  });

  test("scanRange() with keysOnly yields the same keys and empty values", () => {
    const db = seeded();
    const range = { fromKey: bytes("b:1"), toKeyExclusive: bytes("c") };
    const entries = [...scanRange(db, { ...range, keysOnly: true })];
    expect(keysOf(entries)).toEqual(keysOf(scanRange(db, range)));
    expect(entries.map((entry) => entry.value.byteLength)).toEqual(entries.map(() => 0));
  });

  test("scanRange() rejects a reversed range", () => {
    const db = seeded();
    expect(() => [...scanRange(db, { fromKey: bytes("c"), toKeyExclusive: bytes("a") })]).toThrow(InvariantError);
  });

  test("lastEntry() returns the greatest key, or undefined when empty", () => {
    const db = seeded();
    expect(text(lastEntry(db)!.key)).toBe("c");
    expect(text(lastEntry(db, { cf: columnFamily(db, "other") })!.value)).toBe("in other");
    expect(lastEntry(open("empty"))).toBeUndefined();
  });

  test("closing the database mid-scan frees the iterator and the scan throws RocksDbClosedError", () => {
    const db = seeded();
    const scan = scanPrefix(db, bytes("b"));
    expect(text(scan.next().value!.key)).toBe("b");
    closeDb(db);
    expect(() => scan.next()).toThrow(RocksDbClosedError);
  });
});

describe("closeDb()", () => {
  test("is idempotent and every use after it throws RocksDbClosedError", () => {
    const db = open("db", { columnFamilies: ["a"] });
    const cf = columnFamily(db, "a");
    closeDb(db);
    closeDb(db);
    expect(() => get(db, bytes("k"))).toThrow(RocksDbClosedError);
    expect(() => put(db, bytes("k"), bytes("v"), { sync: true })).toThrow(RocksDbClosedError);
    expect(() => deleteKey(db, bytes("k"), { sync: true })).toThrow(RocksDbClosedError);
    expect(() => [...scanPrefix(db, bytes("k"))]).toThrow(RocksDbClosedError);
    expect(() => lastEntry(db)).toThrow(RocksDbClosedError);
    expect(() => flushDb(db)).toThrow(RocksDbClosedError);
    expect(() => columnFamily(db, "a")).toThrow(RocksDbClosedError);
    const batch = createBatch();
    try {
      expect(() => batchPut(batch, bytes("k"), bytes("v"), { cf })).toThrow(RocksDbClosedError);
      expect(() => writeBatch(db, batch, { sync: true })).toThrow(RocksDbClosedError);
    } finally {
      destroyBatch(batch);
    }
  });

  test("releases RocksDB's LOCK so the database can be opened again", () => {
    closeDb(open("db"));
    expect(open("db").readOnly).toBe(false);
  });
});

// The loader keeps its first result for the life of the process, so each scenario runs in a fresh
// `bun` child with a controlled cwd; the child prints one JSON line.
async function loadInChild(calls: readonly { explicitPath?: string }[], cwd: string): Promise<unknown[]> {
  const script = `
    import { loadRocksLibrary } from ${JSON.stringify(join(import.meta.dir, "rocksdb.ts"))};
    const results = [];
    for (const options of ${JSON.stringify(calls)}) {
      try { results.push(loadRocksLibrary(options)); }
      catch (err) { results.push({ error: err.name, message: err.message }); }
    }
    console.log(JSON.stringify(results));`;
  const child = Bun.spawn([process.execPath, "-e", script], { cwd, stdout: "pipe", stderr: "inherit" });
  const output = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  return JSON.parse(output) as unknown[];
}

describe("loadRocksLibrary()", () => {
  const debianLibrary = realpathSync("/usr/lib/x86_64-linux-gnu/librocksdb.so.7.8");

  test("the default order finds Debian's librocksdb.so.7.8 first", async () => {
    const [result] = await loadInChild([{}], tempDir);
    expect(realpathSync((result as { libraryPath: string }).libraryPath)).toBe(debianLibrary);
  });

  test("the default search never loads a same-named file from the cwd (bun-ffi.md §2.1)", async () => {
    for (const soname of ["librocksdb.so.7.8", "librocksdb.so", "librocksdb.so.10"]) writeFileSync(join(tempDir, soname), "not a library");
    const [result] = await loadInChild([{}], tempDir);
    expect(realpathSync((result as { libraryPath: string }).libraryPath)).toBe(debianLibrary);
  });

  test("a missing explicit path fails naming it and never falls back", async () => {
    const missing = join(tempDir, "nope", "librocksdb.so");
    const [result] = await loadInChild([{ explicitPath: missing }], tempDir);
    expect(result).toEqual({
      error: "RocksDbLoadError",
      message:
        `Cannot load librocksdb from --rocksdb-lib "${missing}": ${missing}: cannot open shared object file: No such file or directory; ` +
        "fix the path, or drop the flag to search the system library paths",
    });
  });

  test("an explicit relative path is taken from the cwd and glibc's real reason is reported", async () => {
    writeFileSync(join(tempDir, "librocksdb.so.7.8"), "x");
    const [result] = await loadInChild([{ explicitPath: "librocksdb.so.7.8" }], tempDir);
    expect((result as { message: string }).message).toContain(`"${join(tempDir, "librocksdb.so.7.8")}": ${join(tempDir, "librocksdb.so.7.8")}: file too short;`);
  });

  test("an explicit library without the RocksDB symbols is rejected naming the missing symbol", async () => {
    const [result] = await loadInChild([{ explicitPath: "/usr/lib/x86_64-linux-gnu/libz.so.1" }], tempDir);
    expect((result as { message: string }).message).toContain('Symbol "rocksdb_options_create" not found');
  });

  test("the first call wins: the same explicit path again is fine, a different one is an error", async () => {
    const results = await loadInChild([{ explicitPath: debianLibrary }, { explicitPath: debianLibrary }, {}, { explicitPath: "/other/librocksdb.so" }], tempDir);
    expect(results.slice(0, 3)).toEqual([{ libraryPath: debianLibrary }, { libraryPath: debianLibrary }, { libraryPath: debianLibrary }]);
    expect(results[3]).toEqual({
      error: "RocksDbLoadError",
      message:
        `Cannot load librocksdb from "/other/librocksdb.so": "${debianLibrary}" is already loaded in this process ` +
        "and a process can use only one; pass the library path before anything opens a database",
    });
  });

  test("an explicit path after a database was opened (lazy default load) is an error in this process", () => {
    open("db");
    expect(() => loadRocksLibrary({ explicitPath: "/usr/lib/x86_64-linux-gnu/librocksdb.so.7.8" })).toThrow(RocksDbLoadError);
    expect(loadRocksLibrary().libraryPath).toMatch(/librocksdb\.so\.7\.8$/);
  });
});

/**
 * librocksdb's C API through `bun:ffi` (D13; style R11): plain functions over opaque handles.
 *
 * Contract:
 * - Handles (`Db`, `ColumnFamily`, `Batch`) are frozen JS objects; the C pointers behind them live
 *   in module-private WeakMaps and never leave `ffi/`.
 * - Every C allocation is freed where it is made: options right after open, errptr strings and
 *   `rocksdb_get` values right after they are copied, iterators (and their read options) when the
 *   scan ends however it ends, CF handles and per-DB read/write options in `closeDb`, batches in
 *   `destroyBatch`. `docs/ffi.md` lists them.
 * - Durability is never defaulted: every write call takes `sync` explicitly (style R11).
 * - Use after `closeDb` throws `RocksDbClosedError` (never touches a freed pointer); a scan that is
 *   still open when its DB closes has its iterator destroyed by `closeDb` and throws on its next step.
 * - RocksDB's error text is kept verbatim in `RocksDbError`, after the operation and the DB path;
 *   `*errptr` is reset after every read (bun-ffi.md §3).
 * - Calls are synchronous and block the event loop (bun-ffi.md §6); callers keep big scans and
 *   synced writes off latency-critical paths.
 * @module
 */

import { CString, type Pointer, ptr, read } from "bun:ffi";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvariantError, assert } from "../src/assert.ts";
import { FatalError, FullhistoryError, errnoCode } from "../src/errors.ts";
import { LIBC, nonNullPointer, pointerOrNull } from "./_libc.ts";
import { type OpenOptionSet, type RocksProfile, createOpenOptions, destroyOpenOptions } from "./_rocksdb_options.ts";
import { ROCKSDB_SYMBOLS, type RocksSymbols } from "./_rocksdb_symbols.ts";
import { type LibraryAttempt, openFirstLibrary } from "./_shared_library.ts";

// ───────────────────────────── errors ─────────────────────────────

/** A RocksDB operation failed; `detail` is RocksDB's own message, verbatim. */
export class RocksDbError extends FullhistoryError {
  override name = "RocksDbError";
  readonly operation: string;
  readonly dbPath: string;
  readonly detail: string;

  constructor(fields: { operation: string; dbPath: string; detail: string }, options?: { cause?: unknown }) {
    super(`Cannot ${fields.operation} (RocksDB "${fields.dbPath}"): ${fields.detail}`, options);
    this.operation = fields.operation;
    this.dbPath = fields.dbPath;
    this.detail = fields.detail;
  }
}

/** A handle was used after `closeDb` (e.g. a request racing shutdown). */
export class RocksDbClosedError extends RocksDbError {
  override name = "RocksDbClosedError";
}

/** librocksdb could not be loaded; the message lists every candidate tried and why it failed. */
export class RocksDbLoadError extends FatalError {
  override name = "RocksDbLoadError";
}

// ───────────────────────────── loader (D13) ─────────────────────────────

const LIBRARY_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/lib"] as const;
const LIBRARY_SONAMES = ["librocksdb.so.7.8", "librocksdb.so", "librocksdb.so.10", "librocksdb.so.9", "librocksdb.so.8"] as const;

/**
 * Default search order (D13): Debian's soname first (databases written by a newer RocksDB are
 * unreadable by 7.8, bun-ffi.md §7.1, so a host that has 7.8 keeps using it), then the other
 * sonames through ld.so, then absolute paths for libraries ld.so.cache does not know
 * (e.g. `/usr/local/lib` without `ldconfig`).
 */
export const DEFAULT_LIBRARY_CANDIDATES: readonly string[] = [
  ...LIBRARY_SONAMES,
  ...LIBRARY_DIRS.flatMap((dir) => LIBRARY_SONAMES.map((soname) => join(dir, soname))),
];

let loaded: { libraryPath: string; explicitPath: string | undefined; symbols: RocksSymbols } | undefined;

/**
 * Loads librocksdb once per process. `explicitPath` (the `--rocksdb-lib` flag) is the only
 * candidate when given: it never falls back (bun-ffi.md §7.1). Idempotent: the first call wins and
 * a later call with a different explicit path throws. `openDb` calls it lazily.
 */
export function loadRocksLibrary(options: { explicitPath?: string } = {}): { libraryPath: string } {
  const explicitPath = options.explicitPath === undefined ? undefined : resolve(options.explicitPath);
  if (loaded !== undefined) {
    if (explicitPath !== undefined && explicitPath !== loaded.explicitPath) {
      throw new RocksDbLoadError(
        `Cannot load librocksdb from "${explicitPath}": "${loaded.libraryPath}" is already loaded in this process ` +
          `and a process can use only one; pass the library path before anything opens a database`,
      );
    }
    return { libraryPath: loaded.libraryPath };
  }
  const candidates = explicitPath === undefined ? DEFAULT_LIBRARY_CANDIDATES : [explicitPath];
  const result = openFirstLibrary(candidates, ROCKSDB_SYMBOLS);
  if (!result.ok) throw libraryLoadError(explicitPath, result.attempts);
  loaded = { libraryPath: result.libraryPath, explicitPath, symbols: result.library.symbols };
  return { libraryPath: result.libraryPath };
}

function libraryLoadError(explicitPath: string | undefined, attempts: readonly LibraryAttempt[]): RocksDbLoadError {
  // glibc's dlerror() and Bun's missing-symbol message both start with or name the file tried.
  const tried = attempts.map((attempt) => attempt.reason).join("; ");
  if (explicitPath !== undefined) {
    return new RocksDbLoadError(
      `Cannot load librocksdb from --rocksdb-lib "${explicitPath}": ${tried}; ` +
        `fix the path, or drop the flag to search the system library paths`,
    );
  }
  return new RocksDbLoadError(
    `Cannot load librocksdb: tried ${tried}; ` +
      `install it (Debian: apt-get install librocksdb7.8) or pass --rocksdb-lib PATH`,
  );
}

function rocks(): RocksSymbols {
  assert(loaded !== undefined, "librocksdb used before loadRocksLibrary()");
  return loaded.symbols;
}

// ───────────────────────────── handles ─────────────────────────────

/** An open database. Opaque: only `ffi/rocksdb.ts` can use it. */
export interface Db {
  readonly path: string;
  readonly readOnly: boolean;
}

/** A column family of one open database; `"default"` always exists. */
export interface ColumnFamily {
  readonly name: string;
}

/** A write batch: built with `batchPut`/`batchDelete`, applied atomically by `writeBatch`. */
export interface Batch {}

interface DbState {
  readonly path: string;
  readonly handle: Pointer;
  readonly readOptions: Pointer;
  readonly syncWriteOptions: Pointer;
  readonly asyncWriteOptions: Pointer;
  readonly columnFamilies: Map<string, ColumnFamilyState>;
  readonly liveIterators: Set<IteratorState>;
  closed: boolean;
}

interface ColumnFamilyState {
  readonly handle: ColumnFamily;
  readonly pointer: Pointer;
  readonly owner: DbState;
}

interface BatchState {
  readonly pointer: Pointer;
  owner: DbState | undefined; // the DB whose column families the batch names, once it names one
  destroyed: boolean;
}

interface IteratorState {
  readonly pointer: Pointer;
  readonly readOptions: Pointer;
  readonly bounds: readonly Uint8Array[]; // referenced: RocksDB keeps pointers into them
  destroyed: boolean;
}

const DB_STATES = new WeakMap<Db, DbState>();
const COLUMN_FAMILY_STATES = new WeakMap<ColumnFamily, ColumnFamilyState>();
const BATCH_STATES = new WeakMap<Batch, BatchState>();

// One errptr cell and one length cell per thread is enough (bun-ffi.md §3): calls are synchronous.
const ERR = new BigUint64Array(1);
const ERR_PTR = ptr(ERR);
const LEN = new BigUint64Array(1);
const LEN_PTR = ptr(LEN);

const DEFAULT_COLUMN_FAMILY = "default";

// ───────────────────────────── open / close ─────────────────────────────

/**
 * Opens (and with `createIfMissing`, creates) the database at `path` with the "default" column
 * family plus `columnFamilies`. Read-only opens take no LOCK and replay the WAL into memory
 * (bun-ffi.md §5.1). Fails if the database has a column family not listed.
 */
export function openDb(
  path: string,
  options: { createIfMissing: boolean; readOnly: boolean; columnFamilies?: readonly string[]; profile?: RocksProfile },
): Db {
  loadRocksLibrary();
  const R = rocks();
  const dbPath = resolve(path);
  assert(!dbPath.includes("\0"), `database path ${JSON.stringify(dbPath)} contains NUL`);
  const columnFamilyNames = [DEFAULT_COLUMN_FAMILY, ...(options.columnFamilies ?? [])];
  for (const name of columnFamilyNames) assert(name.length > 0, "empty column family name");
  assert(new Set(columnFamilyNames).size === columnFamilyNames.length, `column families listed twice: ${columnFamilyNames.join(", ")}`);

  const createIfMissing = options.createIfMissing && !options.readOnly;
  if (createIfMissing) createDbDirectory(dbPath);
  const optionSet = createOpenOptions(R, { profile: options.profile ?? "catalog", createIfMissing, columnFamilyNames });
  try {
    rejectUnlistedColumnFamilies(R, { dbPath, dbOptions: optionSet.dbOptions, columnFamilyNames });
    const handles = openColumnFamilies(R, { dbPath, readOnly: options.readOnly, columnFamilyNames, optionSet });
    return registerDb({ dbPath, readOnly: options.readOnly, columnFamilyNames, handles });
  } finally {
    destroyOpenOptions(R, optionSet);
  }
}

/** Reference §3.1: the wrapper creates a DB directory 0700; its parent must already exist. */
function createDbDirectory(dbPath: string): void {
  try {
    mkdirSync(dbPath, { mode: 0o700 });
  } catch (err) {
    const code = errnoCode(err);
    if (code === "EEXIST") return; // an existing database (or an empty dir) is fine
    if (code === undefined) throw err;
    const detail = code === "ENOENT" ? "ENOENT: its parent directory does not exist" : code;
    throw new RocksDbError({ operation: "create the database directory", dbPath, detail }, { cause: err });
  }
}

function rejectUnlistedColumnFamilies(
  R: RocksSymbols,
  context: { dbPath: string; dbOptions: Pointer; columnFamilyNames: readonly string[] },
): void {
  // Without CURRENT there is no database yet: nothing to list; open reports a missing one itself.
  if (!existsSync(join(context.dbPath, "CURRENT"))) return;
  const existing = listColumnFamilies(R, context.dbPath, context.dbOptions);
  const unlisted = existing.filter((name) => !context.columnFamilyNames.includes(name));
  if (unlisted.length === 0) return;
  throw new RocksDbError({
    operation: "open",
    dbPath: context.dbPath,
    detail: `the database has column families the caller did not list: ${unlisted.join(", ")}`,
  });
}

function listColumnFamilies(R: RocksSymbols, dbPath: string, dbOptions: Pointer): string[] {
  const list = pointerOrNull(R.rocksdb_list_column_families(dbOptions, cString(dbPath), LEN_PTR, ERR_PTR));
  throwIfRocksError({ operation: "list column families", dbPath });
  assert(list !== null, "rocksdb_list_column_families returned NULL without an error");
  const count = Number(LEN[0]);
  try {
    const names: string[] = [];
    for (let index = 0; index < count; index++) {
      names.push(new CString(read.ptr(list, index * 8) as Pointer).toString());
    }
    return names;
  } finally {
    R.rocksdb_list_column_families_destroy(list, count);
  }
}

function openColumnFamilies(
  R: RocksSymbols,
  context: { dbPath: string; readOnly: boolean; columnFamilyNames: readonly string[]; optionSet: OpenOptionSet },
): { db: Pointer; columnFamilies: Pointer[] } {
  const count = context.columnFamilyNames.length;
  const nameBuffers = context.columnFamilyNames.map(cString); // referenced until open returns
  const namePointers = BigUint64Array.from(nameBuffers, (buffer) => BigInt(ptr(buffer)));
  const optionPointers = BigUint64Array.from(context.optionSet.columnFamilyOptions, (pointer) => BigInt(pointer));
  const handlesOut = new BigUint64Array(count);
  const path = cString(context.dbPath);
  const db = context.readOnly
    ? R.rocksdb_open_for_read_only_column_families(
        context.optionSet.dbOptions, path, count, namePointers, optionPointers, handlesOut, 0, ERR_PTR,
      ) // error_if_wal_file_exists = 0: replay a crashed writer's WAL (bun-ffi.md §5.1)
    : R.rocksdb_open_column_families(context.optionSet.dbOptions, path, count, namePointers, optionPointers, handlesOut, ERR_PTR);
  throwIfRocksError({ operation: context.readOnly ? "open read-only" : "open", dbPath: context.dbPath });
  const dbPointer = pointerOrNull(db);
  assert(dbPointer !== null, "rocksdb_open returned NULL without an error");
  const columnFamilies = Array.from(handlesOut, (handle) => Number(handle) as Pointer);
  for (const handle of columnFamilies) assert(handle !== 0, "rocksdb_open returned a NULL column family handle");
  return { db: dbPointer, columnFamilies };
}

function registerDb(context: {
  dbPath: string;
  readOnly: boolean;
  columnFamilyNames: readonly string[];
  handles: { db: Pointer; columnFamilies: Pointer[] };
}): Db {
  const R = rocks();
  const syncWriteOptions = nonNullPointer(R.rocksdb_writeoptions_create(), "rocksdb_writeoptions_create");
  R.rocksdb_writeoptions_set_sync(syncWriteOptions, 1);
  const asyncWriteOptions = nonNullPointer(R.rocksdb_writeoptions_create(), "rocksdb_writeoptions_create");
  R.rocksdb_writeoptions_set_sync(asyncWriteOptions, 0);
  const state: DbState = {
    path: context.dbPath,
    handle: context.handles.db,
    readOptions: nonNullPointer(R.rocksdb_readoptions_create(), "rocksdb_readoptions_create"),
    syncWriteOptions,
    asyncWriteOptions,
    columnFamilies: new Map(),
    liveIterators: new Set(),
    closed: false,
  };
  context.columnFamilyNames.forEach((name, index) => {
    const handle: ColumnFamily = Object.freeze({ name });
    const cfState: ColumnFamilyState = { handle, pointer: context.handles.columnFamilies[index]!, owner: state };
    COLUMN_FAMILY_STATES.set(handle, cfState);
    state.columnFamilies.set(name, cfState);
  });
  const db: Db = Object.freeze({ path: context.dbPath, readOnly: context.readOnly });
  DB_STATES.set(db, state);
  return db;
}

/** The column family `name` of `db`; it must have been listed at open ("default" always is). */
export function columnFamily(db: Db, name: string): ColumnFamily {
  const state = openState(db, "use a column family");
  const cf = state.columnFamilies.get(name);
  // Messages are built only on failure: these checks run on every operation.
  if (cf === undefined) throw new InvariantError(`column family "${name}" was not opened on "${state.path}"; list it in openDb`);
  return cf.handle;
}

/** Memtables → SST files for every column family, waiting for completion (clean hot-DB close). */
export function flushDb(db: Db): void {
  const R = rocks();
  const state = openState(db, "flush");
  const flushOptions = nonNullPointer(R.rocksdb_flushoptions_create(), "rocksdb_flushoptions_create");
  try {
    R.rocksdb_flushoptions_set_wait(flushOptions, 1);
    for (const [name, cf] of state.columnFamilies) {
      R.rocksdb_flush_cf(state.handle, flushOptions, cf.pointer, ERR_PTR);
      throwIfRocksError({ operation: `flush column family "${name}"`, dbPath: state.path });
    }
  } finally {
    R.rocksdb_flushoptions_destroy(flushOptions);
  }
}

/**
 * Closes `db`: destroys live iterators, then CF handles (they must go before the DB, bun-ffi.md
 * §5.1), then the DB, then its options. Idempotent. Does not flush (the WAL replays on open).
 */
export function closeDb(db: Db): void {
  const R = rocks();
  const state = stateOf(db);
  if (state.closed) return;
  state.closed = true;
  for (const iterator of state.liveIterators) destroyIterator(R, iterator);
  state.liveIterators.clear();
  for (const cf of state.columnFamilies.values()) R.rocksdb_column_family_handle_destroy(cf.pointer);
  R.rocksdb_close(state.handle);
  R.rocksdb_readoptions_destroy(state.readOptions);
  R.rocksdb_writeoptions_destroy(state.syncWriteOptions);
  R.rocksdb_writeoptions_destroy(state.asyncWriteOptions);
}

// ───────────────────────────── point operations ─────────────────────────────

/** The value of `key`, or undefined when absent. An empty value is a `Uint8Array(0)`, not undefined. */
export function get(db: Db, key: Uint8Array, options: { cf?: ColumnFamily } = {}): Uint8Array | undefined {
  const R = rocks();
  const state = openState(db, "get");
  const cf = columnFamilyOf(state, options.cf);
  const value = pointerOrNull(R.rocksdb_get_cf(state.handle, state.readOptions, cf.pointer, key, key.byteLength, LEN_PTR, ERR_PTR));
  if (ERR[0] !== 0n) throw takeRocksError({ operation: `get ${describeKey(key, cf)}`, dbPath: state.path });
  if (value === null) return undefined;
  try {
    return copyOut(value, Number(LEN[0]));
  } finally {
    R.rocksdb_free(value);
  }
}

/** Writes one key; `sync: true` fsyncs the WAL before returning. */
export function put(db: Db, key: Uint8Array, value: Uint8Array, options: { sync: boolean; cf?: ColumnFamily }): void {
  const R = rocks();
  const state = openState(db, "put");
  const cf = columnFamilyOf(state, options.cf);
  const writeOptions = options.sync ? state.syncWriteOptions : state.asyncWriteOptions;
  R.rocksdb_put_cf(state.handle, writeOptions, cf.pointer, key, key.byteLength, value, value.byteLength, ERR_PTR);
  if (ERR[0] !== 0n) throw takeRocksError({ operation: `put ${describeKey(key, cf)}`, dbPath: state.path });
}

/** Deletes one key (absent is fine); `sync: true` fsyncs the WAL before returning. */
export function deleteKey(db: Db, key: Uint8Array, options: { sync: boolean; cf?: ColumnFamily }): void {
  const R = rocks();
  const state = openState(db, "delete");
  const cf = columnFamilyOf(state, options.cf);
  const writeOptions = options.sync ? state.syncWriteOptions : state.asyncWriteOptions;
  R.rocksdb_delete_cf(state.handle, writeOptions, cf.pointer, key, key.byteLength, ERR_PTR);
  if (ERR[0] !== 0n) throw takeRocksError({ operation: `delete ${describeKey(key, cf)}`, dbPath: state.path });
}

// ───────────────────────────── batches ─────────────────────────────

/** A new empty batch. The caller must `destroyBatch` it (try/finally): it holds C memory. */
export function createBatch(): Batch {
  const R = rocks();
  const batch: Batch = Object.freeze({});
  BATCH_STATES.set(batch, { pointer: nonNullPointer(R.rocksdb_writebatch_create(), "rocksdb_writebatch_create"), owner: undefined, destroyed: false });
  return batch;
}

/** A serialized WriteBatch's header: sequence fixed64 + count fixed32 (`db/write_batch.cc`). */
export const WRITE_BATCH_HEADER_BYTES = 12;

/**
 * A batch holding `rep`: a WriteBatch in RocksDB's own serialized form (the WAL record format of
 * `db/write_batch.cc`: sequence fixed64 and count fixed32, little-endian, then the records), built
 * elsewhere, e.g. in a Worker that has no RocksDB handle. Its records name column families by
 * `columnFamilyId` of `db`, so it may only be written to `db`. RocksDB copies the bytes now. The
 * caller must `destroyBatch` it.
 */
export function createBatchFrom(db: Db, rep: Uint8Array): Batch {
  const R = rocks();
  const state = openState(db, "create a batch from its serialized form");
  // RocksDB reads the header without checking the length: a shorter rep would be read past its end.
  assert(rep.byteLength >= WRITE_BATCH_HEADER_BYTES, `a serialized batch of ${rep.byteLength} bytes has no header`);
  const batch: Batch = Object.freeze({});
  const pointer = nonNullPointer(R.rocksdb_writebatch_create_from(rep, rep.byteLength), "rocksdb_writebatch_create_from");
  BATCH_STATES.set(batch, { pointer, owner: state, destroyed: false });
  return batch;
}

/** RocksDB's numeric id of `cf`: how a serialized batch (`createBatchFrom`) names it. */
export function columnFamilyId(cf: ColumnFamily): number {
  const state = COLUMN_FAMILY_STATES.get(cf);
  assert(state !== undefined, "not a column family from columnFamily()");
  if (state.owner.closed) throw closedError(state.owner, `read the id of column family "${cf.name}"`);
  return rocks().rocksdb_column_family_handle_get_id(state.pointer);
}

/** Adds a put to `batch` (RocksDB copies key and value now). */
export function batchPut(batch: Batch, key: Uint8Array, value: Uint8Array, options: { cf?: ColumnFamily } = {}): void {
  const R = rocks();
  const state = liveBatch(batch);
  if (options.cf === undefined) {
    R.rocksdb_writebatch_put(state.pointer, key, key.byteLength, value, value.byteLength);
    return;
  }
  const cf = batchColumnFamily(state, options.cf);
  R.rocksdb_writebatch_put_cf(state.pointer, cf.pointer, key, key.byteLength, value, value.byteLength);
}

/** Adds a delete to `batch`; a later op on the same key in the same batch wins. */
export function batchDelete(batch: Batch, key: Uint8Array, options: { cf?: ColumnFamily } = {}): void {
  const R = rocks();
  const state = liveBatch(batch);
  if (options.cf === undefined) {
    R.rocksdb_writebatch_delete(state.pointer, key, key.byteLength);
    return;
  }
  const cf = batchColumnFamily(state, options.cf);
  R.rocksdb_writebatch_delete_cf(state.pointer, cf.pointer, key, key.byteLength);
}

/** Number of operations in `batch`. */
export function batchCount(batch: Batch): number {
  return rocks().rocksdb_writebatch_count(liveBatch(batch).pointer);
}

/** Applies every operation of `batch` atomically; `sync: true` fsyncs the WAL before returning. */
export function writeBatch(db: Db, batch: Batch, options: { sync: boolean }): void {
  const R = rocks();
  const state = openState(db, "write batch");
  const batchState = liveBatch(batch);
  // A batch names column families by id: applying it to another DB would hit the wrong ones.
  if (batchState.owner !== undefined && batchState.owner !== state) {
    throw new InvariantError(`batch built for "${batchState.owner.path}" written to "${state.path}"`);
  }
  const writeOptions = options.sync ? state.syncWriteOptions : state.asyncWriteOptions;
  R.rocksdb_write(state.handle, writeOptions, batchState.pointer, ERR_PTR);
  if (ERR[0] !== 0n) {
    const count = R.rocksdb_writebatch_count(batchState.pointer);
    throw takeRocksError({ operation: `write a batch of ${count} operations`, dbPath: state.path });
  }
}

/** Frees `batch`. Idempotent, so it is safe in a `finally` after any failure. */
export function destroyBatch(batch: Batch): void {
  const state = BATCH_STATES.get(batch);
  assert(state !== undefined, "destroyBatch() of an object createBatch() did not return");
  if (state.destroyed) return;
  state.destroyed = true;
  rocks().rocksdb_writebatch_destroy(state.pointer);
}

function liveBatch(batch: Batch): BatchState {
  const state = BATCH_STATES.get(batch);
  assert(state !== undefined, "not a batch from createBatch()");
  assert(!state.destroyed, "batch used after destroyBatch()");
  return state;
}

function batchColumnFamily(batch: BatchState, handle: ColumnFamily): ColumnFamilyState {
  const cf = COLUMN_FAMILY_STATES.get(handle);
  assert(cf !== undefined, "not a column family from columnFamily()");
  if (cf.owner.closed) throw closedError(cf.owner, `add to a batch in column family "${handle.name}"`);
  assert(batch.owner === undefined || batch.owner === cf.owner, "one batch names column families of two databases");
  batch.owner = cf.owner;
  return cf;
}

// ───────────────────────────── scans ─────────────────────────────

/** One row of a scan, copied out of RocksDB (safe to keep). */
export interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Rows whose key starts with `prefix`, ascending. RocksDB stops at the prefix's end itself
 * (iterate_upper_bound = prefix + 1). The C iterator is freed when the loop ends, breaks or throws.
 */
export function scanPrefix(db: Db, prefix: Uint8Array, options: { cf?: ColumnFamily } = {}): Generator<Entry> {
  const upperBound = prefixUpperBound(prefix);
  return scan(db, { lowerBound: prefix.slice(), upperBound, reverse: false, cf: options.cf, operation: "scan prefix", keysOnly: false });
}

/**
 * Rows with fromKey ≤ key < toKeyExclusive (either bound optional), ascending or with `reverse` descending.
 * With `keysOnly`, values are not copied out (every `value` is empty): for scans that check keys
 * over large values, e.g. the hot DB's open-time consistency checks.
 */
export function scanRange(
  db: Db,
  options: { fromKey?: Uint8Array; toKeyExclusive?: Uint8Array; reverse?: boolean; cf?: ColumnFamily; keysOnly?: boolean },
): Generator<Entry> {
  if (options.fromKey !== undefined && options.toKeyExclusive !== undefined) {
    assert(compareBytes(options.fromKey, options.toKeyExclusive) <= 0, "scanRange() with fromKey after toKeyExclusive");
  }
  return scan(db, {
    lowerBound: options.fromKey?.slice(),
    upperBound: options.toKeyExclusive?.slice(),
    reverse: options.reverse ?? false,
    cf: options.cf,
    operation: "scan range",
    keysOnly: options.keysOnly ?? false,
  });
}

/** The row with the greatest key, or undefined for an empty column family. */
export function lastEntry(db: Db, options: { cf?: ColumnFamily } = {}): Entry | undefined {
  for (const entry of scan(db, { lowerBound: undefined, upperBound: undefined, reverse: true, cf: options.cf, operation: "read last entry", keysOnly: false })) {
    return entry; // returning ends the generator, which frees the iterator
  }
  return undefined;
}

interface ScanPlan {
  readonly lowerBound: Uint8Array | undefined;
  readonly upperBound: Uint8Array | undefined;
  readonly reverse: boolean;
  readonly cf: ColumnFamily | undefined;
  readonly operation: string;
  readonly keysOnly: boolean;
}

// The loop is bounded by the rows in [lowerBound, upperBound) of a snapshot taken at the first step.
function* scan(db: Db, plan: ScanPlan): Generator<Entry> {
  const R = rocks();
  const state = openState(db, plan.operation);
  const cf = columnFamilyOf(state, plan.cf);
  // An empty upper bound is an empty range; the C API would read a zero-length bound as "none".
  if (plan.upperBound !== undefined && plan.upperBound.byteLength === 0) return;
  const iterator = createIterator(R, state, { cf, lowerBound: plan.lowerBound, upperBound: plan.upperBound });
  try {
    if (plan.reverse) R.rocksdb_iter_seek_to_last(iterator.pointer);
    else if (plan.lowerBound === undefined || plan.lowerBound.byteLength === 0) R.rocksdb_iter_seek_to_first(iterator.pointer);
    else R.rocksdb_iter_seek(iterator.pointer, plan.lowerBound, plan.lowerBound.byteLength);
    while (R.rocksdb_iter_valid(iterator.pointer) !== 0) {
      yield plan.keysOnly ? readKeyOnly(R, iterator) : readEntry(R, iterator);
      // closeDb may have run while the consumer held the row: the iterator is gone then.
      if (iterator.destroyed) throw closedError(state, plan.operation);
      if (plan.reverse) R.rocksdb_iter_prev(iterator.pointer);
      else R.rocksdb_iter_next(iterator.pointer);
    }
    R.rocksdb_iter_get_error(iterator.pointer, ERR_PTR);
    if (ERR[0] !== 0n) throw takeRocksError({ operation: `${plan.operation} in column family "${cf.handle.name}"`, dbPath: state.path });
  } finally {
    state.liveIterators.delete(iterator);
    destroyIterator(R, iterator);
  }
}

function createIterator(
  R: RocksSymbols,
  state: DbState,
  context: { cf: ColumnFamilyState; lowerBound: Uint8Array | undefined; upperBound: Uint8Array | undefined },
): IteratorState {
  const readOptions = nonNullPointer(R.rocksdb_readoptions_create(), "rocksdb_readoptions_create");
  const bounds: Uint8Array[] = [];
  if (context.lowerBound !== undefined && context.lowerBound.byteLength > 0) {
    R.rocksdb_readoptions_set_iterate_lower_bound(readOptions, context.lowerBound, context.lowerBound.byteLength);
    bounds.push(context.lowerBound);
  }
  if (context.upperBound !== undefined) {
    R.rocksdb_readoptions_set_iterate_upper_bound(readOptions, context.upperBound, context.upperBound.byteLength);
    bounds.push(context.upperBound);
  }
  const pointer = pointerOrNull(R.rocksdb_create_iterator_cf(state.handle, readOptions, context.cf.pointer));
  if (pointer === null) R.rocksdb_readoptions_destroy(readOptions);
  assert(pointer !== null, "rocksdb_create_iterator_cf returned NULL");
  const iterator: IteratorState = { pointer, readOptions, bounds, destroyed: false };
  state.liveIterators.add(iterator);
  return iterator;
}

function destroyIterator(R: RocksSymbols, iterator: IteratorState): void {
  if (iterator.destroyed) return;
  iterator.destroyed = true;
  R.rocksdb_iter_destroy(iterator.pointer); // before its read options: it reads the bounds through them
  R.rocksdb_readoptions_destroy(iterator.readOptions);
}

function readEntry(R: RocksSymbols, iterator: IteratorState): Entry {
  // Borrowed pointers, valid until the next move (bun-ffi.md §4): copy both now.
  const keyPointer = nonNullPointer(R.rocksdb_iter_key(iterator.pointer, LEN_PTR), "rocksdb_iter_key");
  const key = copyOut(keyPointer, Number(LEN[0]));
  const valuePointer = pointerOrNull(R.rocksdb_iter_value(iterator.pointer, LEN_PTR));
  const valueBytes = Number(LEN[0]);
  const value = valuePointer === null ? new Uint8Array(0) : copyOut(valuePointer, valueBytes);
  return { key, value };
}

const EMPTY_VALUE = new Uint8Array(0);

function readKeyOnly(R: RocksSymbols, iterator: IteratorState): Entry {
  const keyPointer = nonNullPointer(R.rocksdb_iter_key(iterator.pointer, LEN_PTR), "rocksdb_iter_key");
  return { key: copyOut(keyPointer, Number(LEN[0])), value: EMPTY_VALUE };
}

/** The smallest key greater than every key starting with `prefix`; undefined if none (all 0xff). */
function prefixUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.byteLength;
  while (end > 0 && prefix[end - 1] === 0xff) end--; // bounded by the prefix length
  if (end === 0) return undefined;
  const bound = prefix.slice(0, end);
  bound[end - 1] = bound[end - 1]! + 1;
  return bound;
}

function compareBytes(left: Uint8Array, right: Uint8Array): number {
  return Buffer.compare(left, right);
}

// ───────────────────────────── helpers ─────────────────────────────

function stateOf(db: Db): DbState {
  const state = DB_STATES.get(db);
  assert(state !== undefined, "not a database from openDb()");
  return state;
}

function openState(db: Db, operation: string): DbState {
  const state = stateOf(db);
  if (state.closed) throw closedError(state, operation);
  return state;
}

function columnFamilyOf(state: DbState, handle: ColumnFamily | undefined): ColumnFamilyState {
  const cf = handle === undefined ? state.columnFamilies.get(DEFAULT_COLUMN_FAMILY) : COLUMN_FAMILY_STATES.get(handle);
  if (cf !== undefined && cf.owner === state) return cf;
  // Messages are built only on failure: this runs on every operation.
  if (handle === undefined) throw new InvariantError(`"${state.path}" has no default column family handle`);
  if (cf === undefined) throw new InvariantError("not a column family from columnFamily()");
  throw new InvariantError(`column family "${handle.name}" of "${cf.owner.path}" used on "${state.path}"`);
}

function closedError(state: DbState, operation: string): RocksDbClosedError {
  return new RocksDbClosedError({ operation, dbPath: state.path, detail: "the database is closed" });
}

/** Reads, frees and resets `*errptr` (bun-ffi.md §3: the C API frees a non-NULL *errptr itself). */
function takeRocksError(context: { operation: string; dbPath: string }): RocksDbError {
  const message = Number(ERR[0]) as Pointer;
  ERR[0] = 0n;
  const detail = new CString(message).toString();
  rocks().rocksdb_free(message);
  return new RocksDbError({ operation: context.operation, dbPath: context.dbPath, detail });
}

function throwIfRocksError(context: { operation: string; dbPath: string }): void {
  if (ERR[0] !== 0n) throw takeRocksError(context);
}

function copyOut(source: Pointer, byteCount: number): Uint8Array {
  const out = new Uint8Array(byteCount);
  if (byteCount > 0) LIBC.memcpy(out, source, byteCount); // cheaper than toArrayBuffer (bun-ffi.md §4)
  return out;
}

function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}

const KEY_PREVIEW_BYTES_MAX = 64;

/** `key "chunk:00000001:ledgers"` for printable keys, `key 0x00ab…` otherwise; plus the CF if not default. */
function describeKey(key: Uint8Array, cf: ColumnFamilyState): string {
  const preview = key.subarray(0, KEY_PREVIEW_BYTES_MAX);
  const printable = preview.every((byte) => byte >= 0x20 && byte < 0x7f && byte !== 0x22);
  const ellipsis = key.byteLength > KEY_PREVIEW_BYTES_MAX ? "…" : "";
  const text = printable ? `"${Buffer.from(preview).toString("latin1")}${ellipsis}"` : `0x${Buffer.from(preview).toString("hex")}${ellipsis}`;
  const where = cf.handle.name === DEFAULT_COLUMN_FAMILY ? "" : ` in column family "${cf.handle.name}"`;
  return `key ${text}${where}`;
}

/**
 * Catalog key schema (D2; reference §2). Constructors and parsers are exact inverses (style R13):
 *
 *   chunk:{chunk:08d}:{ledgers|events|txhash}   → ArtifactState
 *   index:{window:08d}:{lo:08d}:{hi:08d}         → ArtifactState (the coverage lives in the key)
 *   hot:chunk:{chunk:08d}                        → HotState
 *   config:earliest_ledger                       → decimal uint32 (pinned on first start)
 *
 * A malformed key or value found in the catalog is an error, never skipped (D2): it means the
 * catalog was written by something else or is damaged, and no restart fixes that.
 * @module
 */

import { assert } from "../assert.ts";
import { FatalError } from "../errors.ts";
import { type ChunkId, type WindowId, CHUNK_ID_MAX, pad8 } from "./chunk.ts";
import { type IndexCoverage, type WindowGeometry } from "./windows.ts";

/** The three per-chunk artifact kinds, in canonical order (reference §2.1). */
export const ARTIFACT_KINDS = ["ledgers", "events", "txhash"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/**
 * Lifecycle of an artifact or index-coverage key (reference §2.1):
 * - `freezing`: the file is being written or untrusted; re-derive or delete it.
 * - `frozen`: the file and its directory entries are fsynced; trusted blindly; visible to readers.
 * - `pruning`: queued for deletion; the file may or may not exist.
 */
export const ARTIFACT_STATES = ["freezing", "frozen", "pruning"] as const;
export type ArtifactState = (typeof ARTIFACT_STATES)[number];

/**
 * Hot chunk DB bracket (reference §2.1, §5.6):
 * - `transient`: a directory create/delete is in flight, or recovery demoted it; not usable.
 * - `ready`: the directory exists and the DB is usable; visible to readers.
 */
export const HOT_STATES = ["transient", "ready"] as const;
export type HotState = (typeof HOT_STATES)[number];

export const CHUNK_KEY_PREFIX = "chunk:";
export const INDEX_KEY_PREFIX = "index:";
export const HOT_KEY_PREFIX = "hot:chunk:";
export const EARLIEST_LEDGER_KEY = "config:earliest_ledger";

/** A malformed catalog key or value (D2). Fatal: the catalog is not ours or is damaged. */
export class CatalogKeyError extends FatalError {
  override name = "CatalogKeyError";
}

/** `chunk:{c}:{kind}`. */
export function chunkKey(chunkId: ChunkId, kind: ArtifactKind): string {
  assert(chunkId <= CHUNK_ID_MAX, `chunk ${chunkId} exceeds ${CHUNK_ID_MAX}: parseChunkKey would reject its key`);
  return `${CHUNK_KEY_PREFIX}${pad8(chunkId)}:${kind}`;
}

/**
 * The key range holding every `chunk:` key of chunks lo..hi: from `chunk:{lo}:` up to, not
 * including, `chunk:{hi};` (";" sorts right after ":", so nothing of chunk hi + 1 falls inside).
 */
export function chunkKeyRange(lo: ChunkId, hi: ChunkId): { fromKey: string; toKeyExclusive: string } {
  assert(lo <= hi, `chunk range [${lo}, ${hi}] is reversed`);
  assert(hi <= CHUNK_ID_MAX, `chunk ${hi} exceeds ${CHUNK_ID_MAX}: parseChunkKey would reject its keys`);
  return { fromKey: `${CHUNK_KEY_PREFIX}${pad8(lo)}:`, toKeyExclusive: `${CHUNK_KEY_PREFIX}${pad8(hi)};` };
}

/** `index:{w}:{lo}:{hi}`; the prefix of one window's coverages is `indexKeyPrefix(w)`. */
export function indexKey(coverage: IndexCoverage): string {
  assert(coverage.lo <= coverage.hi, `coverage [${coverage.lo}, ${coverage.hi}] is reversed (reference §2.2)`);
  assert(coverage.hi <= CHUNK_ID_MAX, `coverage hi ${coverage.hi} exceeds ${CHUNK_ID_MAX}: parseIndexKey would reject its key`);
  return `${indexKeyPrefix(coverage.windowId)}${pad8(coverage.lo)}:${pad8(coverage.hi)}`;
}

/** `index:{w}:` — scans one window's coverages. */
export function indexKeyPrefix(windowId: WindowId): string {
  return `${INDEX_KEY_PREFIX}${pad8(windowId)}:`;
}

/** `hot:chunk:{c}`. */
export function hotKey(chunkId: ChunkId): string {
  assert(chunkId <= CHUNK_ID_MAX, `chunk ${chunkId} exceeds ${CHUNK_ID_MAX}: parseHotKey would reject its key`);
  return `${HOT_KEY_PREFIX}${pad8(chunkId)}`;
}

const CHUNK_KEY_RE = /^chunk:(\d{8}):(ledgers|events|txhash)$/;
const INDEX_KEY_RE = /^index:(\d{8}):(\d{8}):(\d{8})$/;
const HOT_KEY_RE = /^hot:chunk:(\d{8})$/;

function parseChunkIdDigits(digits: string, key: string): ChunkId {
  const chunkId = Number(digits);
  if (chunkId > CHUNK_ID_MAX) {
    throw new CatalogKeyError(`Malformed catalog key "${key}": chunk ${chunkId} exceeds the largest chunk ${CHUNK_ID_MAX}`);
  }
  return chunkId as ChunkId;
}

/** Parses `chunk:{8 digits}:{kind}`; anything else is a `CatalogKeyError`. */
export function parseChunkKey(key: string): { chunkId: ChunkId; kind: ArtifactKind } {
  const match = CHUNK_KEY_RE.exec(key);
  if (match === null) {
    throw new CatalogKeyError(`Malformed catalog key "${key}": want chunk:{8 digits}:{ledgers|events|txhash}`);
  }
  return { chunkId: parseChunkIdDigits(match[1]!, key), kind: match[2] as ArtifactKind };
}

/** Parses `index:{w}:{lo}:{hi}`; lo ≤ hi and both inside window w under `windows`. */
export function parseIndexKey(key: string, windows: WindowGeometry): IndexCoverage {
  const match = INDEX_KEY_RE.exec(key);
  if (match === null) {
    throw new CatalogKeyError(`Malformed catalog key "${key}": want index:{8 digits}:{8 digits}:{8 digits}`);
  }
  const windowId = Number(match[1]) as WindowId;
  const lo = parseChunkIdDigits(match[2]!, key);
  const hi = parseChunkIdDigits(match[3]!, key);
  if (lo > hi) {
    throw new CatalogKeyError(`Malformed catalog key "${key}": coverage lo ${lo} > hi ${hi}`);
  }
  if (windows.windowOf(lo) !== windowId || windows.windowOf(hi) !== windowId) {
    throw new CatalogKeyError(
      `Malformed catalog key "${key}": coverage [${lo}, ${hi}] is not inside window ${windowId} ` +
        `of ${windows.chunksPerWindow} chunks`,
    );
  }
  return { windowId, lo, hi };
}

/** Parses `hot:chunk:{8 digits}`. */
export function parseHotKey(key: string): ChunkId {
  const match = HOT_KEY_RE.exec(key);
  if (match === null) throw new CatalogKeyError(`Malformed catalog key "${key}": want hot:chunk:{8 digits}`);
  return parseChunkIdDigits(match[1]!, key);
}

/** Parses an artifact or coverage value; anything but the three states is a `CatalogKeyError`. */
export function parseArtifactState(value: string, key: string): ArtifactState {
  if ((ARTIFACT_STATES as readonly string[]).includes(value)) return value as ArtifactState;
  throw new CatalogKeyError(`Malformed catalog value for "${key}": "${value}", want one of ${ARTIFACT_STATES.join("|")}`);
}

/** Parses a hot bracket value. */
export function parseHotState(value: string, key: string): HotState {
  if ((HOT_STATES as readonly string[]).includes(value)) return value as HotState;
  throw new CatalogKeyError(`Malformed catalog value for "${key}": "${value}", want one of ${HOT_STATES.join("|")}`);
}

/** Every key the catalog may hold, parsed. */
export type CatalogKey =
  | { family: "chunk"; chunkId: ChunkId; kind: ArtifactKind }
  | { family: "index"; coverage: IndexCoverage }
  | { family: "hot"; chunkId: ChunkId }
  | { family: "config"; name: "earliest_ledger" };

/** Parses any catalog key by its family prefix; an unknown family is a `CatalogKeyError`. */
export function parseCatalogKey(key: string, windows: WindowGeometry): CatalogKey {
  if (key.startsWith(CHUNK_KEY_PREFIX)) return { family: "chunk", ...parseChunkKey(key) };
  if (key.startsWith(INDEX_KEY_PREFIX)) return { family: "index", coverage: parseIndexKey(key, windows) };
  if (key.startsWith(HOT_KEY_PREFIX)) return { family: "hot", chunkId: parseHotKey(key) };
  if (key === EARLIEST_LEDGER_KEY) return { family: "config", name: "earliest_ledger" };
  throw new CatalogKeyError(`Malformed catalog key "${key}": unknown key family`);
}

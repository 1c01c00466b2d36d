/**
 * The deep audit (D15 `--deep N`, INV-1 read correctness; reference Appendix C "deep mode"):
 * re-derives a sample of frozen chunks from their source and compares.
 *
 *   sample   N chunks evenly spaced over the chunks with any `frozen` key, in chunk order
 *            (deterministic: the same store and N check the same chunks; a different N moves it)
 *   derive   the chunk's ledgers from the source (the lake) through the backfill's own write step
 *            (`writeChunkArtifacts`, one pass: pack, events segment, `.bin`) into a scratch dir
 *   compare  every file of every `frozen` kind byte for byte with its re-derivation (the writers
 *            are deterministic: same ledgers, same bytes)
 *   index    when the window's frozen coverage holds the chunk, every tx hash of the re-derived
 *            `.bin` (outer and inner, D8) must be among the frozen `.idx`'s candidates for it, at
 *            its ledger (the index of a finalized window can only be rebuilt from every chunk of
 *            the window, so it is checked by membership for the sampled chunk instead)
 *
 * Files INV-3 found missing are not compared. Scratch files are removed after each chunk; the
 * store is only read.
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeChunkArtifacts } from "../backfill/write_chunk_artifacts.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { FullhistoryError } from "../errors.ts";
import { fileSystemCall } from "../formats/file_io_error.ts";
import { openTxhashIndex } from "../formats/txhash_index_reader.ts";
import { type TxhashRunReader, openTxhashRun } from "../formats/txhash_run.ts";
import { TXHASH_KEY_BYTES, TXHASH_KEY_WORDS } from "../formats/txhash_entries.ts";
import { type ChunkId, type LedgerSeq, chunkFirstLedger, chunkLastLedger, pad8 } from "../geometry/chunk.ts";
import { type ArtifactKind, ARTIFACT_KINDS, chunkKey, indexKey } from "../geometry/keys.ts";
import { Layout } from "../geometry/layout.ts";
import { type IndexCoverage, coverageContains } from "../geometry/windows.ts";
import type { LedgerRange } from "../lake/ledger_source.ts";
import { type CatalogSnapshot, frozenCoveragesByWindow } from "./catalog_snapshot.ts";
import { frozenKindsByChunk } from "./check_single_state.ts";
import { evenlySpaced } from "./evenly_spaced.ts";
import { firstDifference } from "./first_difference.ts";
import type { Violation } from "./violation.ts";

/** Where deep audit reads a chunk's ledgers (style R16: what it needs of a `LedgerSource`). */
export interface DeepAuditSource {
  /** For messages: `Filesystem lake "/srv/lake"`. */
  readonly description: string;
  /** Every ledger of `range` in order, as raw LedgerCloseMeta. */
  ledgers(range: LedgerRange): AsyncIterable<Uint8Array>;
}

export interface DeepAuditOptions {
  /** How many chunks to re-derive (≥ 1); more than there are = all of them. */
  readonly sampleCount: number;
  readonly source: DeepAuditSource;
  /** An existing dir the re-derived files go under (one chunk at a time); removed after each chunk. */
  readonly scratchDir: string;
}

/** The source could not deliver a sampled chunk: deep audit cannot judge it. */
export class DeepAuditError extends FullhistoryError {
  override name = "DeepAuditError";
}

/** Re-derives `options.sampleCount` sampled chunks of `snapshot` and reports every difference as INV-1. */
export async function deepAudit(
  catalog: Catalog,
  options: DeepAuditOptions & { snapshot: CatalogSnapshot; missingPaths: ReadonlySet<string> },
): Promise<{ violations: Violation[]; derivedChunkCount: number }> {
  const frozenKinds = frozenKindsByChunk(options.snapshot);
  const sample = evenlySpaced([...frozenKinds.keys()], options.sampleCount);
  const frozenByWindow = frozenCoveragesByWindow(options.snapshot);
  const violations: Violation[] = [];
  for (const chunkId of sample) {
    const frozen = frozenByWindow.get(catalog.layout.windows.windowOf(chunkId));
    const coverage = frozen?.length === 1 && coverageContains(frozen[0]!, { lo: chunkId, hi: chunkId }) ? frozen[0] : undefined;
    const scratchPrefix = join(options.scratchDir, `fullhistory-audit-${pad8(chunkId)}-`);
    const scratch = fileSystemCall(scratchPrefix, { step: "create", call: () => mkdtempSync(scratchPrefix) });
    try {
      const derived = await deriveChunk(chunkId, { source: options.source, scratch, layout: catalog.layout });
      for (const kind of frozenKinds.get(chunkId)!) violations.push(...compareKind(chunkId, kind, { store: catalog.layout, derived, ...options }));
      if (coverage !== undefined && !options.missingPaths.has(catalog.layout.indexPath(coverage))) {
        violations.push(...checkIndexMembership(catalog.layout, { coverage, runPath: derived.txhashRunPath(chunkId) }));
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { violations, derivedChunkCount: sample.length };
}

/**
 * Writes every kind of chunk `chunkId` from the source into `scratch`, laid out like a store
 * (a `Layout` whose roots are all `scratch`), so store path and derived path pair up by kind.
 */
async function deriveChunk(chunkId: ChunkId, context: { source: DeepAuditSource; scratch: string; layout: Layout }): Promise<Layout> {
  const { source, scratch, layout } = context;
  const derived = new Layout(
    { catalog: scratch, ledgers: scratch, events: scratch, txhashRaw: scratch, txhashIndex: scratch, hot: scratch },
    layout.windows,
  );
  const range = { first: chunkFirstLedger(chunkId), last: chunkLastLedger(chunkId) };
  // Every kind shares one bucket dir here, since every root is `scratch`.
  mkdirSync(derived.bucketDir(chunkId, "ledgers"));
  try {
    await writeChunkArtifacts(source.ledgers(range), {
      chunkId,
      kinds: [...ARTIFACT_KINDS],
      paths: { ledgerPack: derived.ledgerPackPath(chunkId), events: derived.eventsPaths(chunkId), txhashRun: derived.txhashRunPath(chunkId) },
      sourceDescription: source.description,
    });
  } catch (err) {
    if (!(err instanceof FullhistoryError)) throw err;
    throw new DeepAuditError(
      `Cannot re-derive chunk ${pad8(chunkId)} [${range.first}, ${range.last}] from ${source.description}: ${err.message}; ` +
        "deep audit needs the lake the store was built from (check [backfill.datastore])",
      { cause: err },
    );
  }
  return derived;
}

function compareKind(
  chunkId: ChunkId,
  kind: ArtifactKind,
  context: { store: Layout; derived: Layout; source: DeepAuditSource; missingPaths: ReadonlySet<string> },
): Violation[] {
  const storePaths = context.store.artifactPaths(chunkId, kind);
  const derivedPaths = context.derived.artifactPaths(chunkId, kind);
  const violations: Violation[] = [];
  storePaths.forEach((path, index) => {
    if (context.missingPaths.has(path)) return;
    const difference = firstDifference(path, derivedPaths[index]!);
    if (difference === undefined) return;
    violations.push({
      invariant: "INV-1",
      key: chunkKey(chunkId, kind),
      path,
      detail:
        `differs from its re-derivation from ${context.source.description} at byte ${difference.byteOffset} ` +
        `(${difference.byteCountA} bytes stored, ${difference.byteCountB} derived)`,
    });
  });
  return violations;
}

/** Every entry of the re-derived run must be a candidate of the frozen index at its ledger. */
function checkIndexMembership(layout: Layout, check: { coverage: IndexCoverage; runPath: string }): Violation[] {
  const indexPath = layout.indexPath(check.coverage);
  const index = openTxhashIndex(indexPath);
  const run = openTxhashRun(check.runPath);
  try {
    let missCount = 0;
    let firstMiss: { key: Uint8Array; ledgerSeq: LedgerSeq } | undefined;
    // Bounded by the run's entry count: each refill advances past every buffered entry.
    while (run.refill() > 0) {
      for (let slot = 0; slot < run.bufferedCount; slot++) {
        const key = keyAt(run, slot);
        const ledgerSeq = run.ledgerSeqs[slot]! as LedgerSeq;
        if (index.lookup(key).includes(ledgerSeq)) continue;
        missCount++;
        firstMiss ??= { key, ledgerSeq };
      }
      run.cursor = run.bufferedCount;
    }
    if (firstMiss === undefined) return [];
    const hex = Buffer.from(firstMiss.key).toString("hex");
    return [
      {
        invariant: "INV-1",
        key: indexKey(check.coverage),
        path: indexPath,
        detail: `misses ${missCount} tx hash(es) of its chunks, first ${hex}… at ledger ${firstMiss.ledgerSeq} (re-derived from the source)`,
      },
    ];
  } finally {
    run.close();
    index.close();
  }
}

/** The 16 key bytes of buffered entry `slot` (held as big-endian words). */
function keyAt(run: TxhashRunReader, slot: number): Uint8Array {
  const key = new Uint8Array(TXHASH_KEY_BYTES);
  const view = new DataView(key.buffer);
  for (let word = 0; word < TXHASH_KEY_WORDS; word++) view.setUint32(word * 4, run.keyWords[slot * TXHASH_KEY_WORDS + word]!, false);
  return key;
}

/**
 * Loaders for every ledger fixture format in `../shared/fixtures/ledgers/` (lake-and-xdr §6, the
 * fixtures' README.md): base64 lines, single base64 LCM files, Galexie batch objects (`.xdr.zst`,
 * zstd `LedgerCloseMetaBatch`), and framed zstd streams (`u32be len|0x80000000` + LCM records,
 * lake-and-xdr §1.7). Plus `expected.json`, typed, and one call that yields a fixture's ledgers.
 * Test-only: shared by the xdr and lake tests. Loaders check the container format strictly, so
 * a damaged fixture fails loudly instead of testing the wrong bytes.
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LedgerSeq } from "../../src/geometry/chunk.ts";
import { splitFramedStream } from "../../src/lake/split_framed_stream.ts";
import { encodeLedgerBatch as encodeSynthLedgerBatch } from "../../src/synth/synth_lake.ts";
import { splitLedgerBatch } from "../../src/xdr/ledger_close_meta_batch.ts";

/** `../shared/fixtures/ledgers` relative to the repository root (docs/conventions.md). */
export const LEDGER_FIXTURES_DIR = join(import.meta.dir, "..", "..", "..", "shared", "fixtures", "ledgers");

/** Absolute path of a file under the ledger fixtures directory. */
export function fixturePath(relativePath: string): string {
  return join(LEDGER_FIXTURES_DIR, relativePath);
}

/** One `LedgerCloseMeta` per non-empty line of base64 (`pubnet-ttp-ledgers-base64.txt`). */
export function readBase64Lines(path: string): Uint8Array[] {
  const lines = readFileSync(path, "utf8").split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.map((line, index) => decodeBase64(line, `${path} line ${index + 1}`));
}

/** A file holding one base64 `LedgerCloseMeta` (`raw-base64/848581.lcm.b64`). */
export function readBase64Ledger(path: string): Uint8Array {
  return decodeBase64(readFileSync(path, "utf8").trim(), path);
}

/** A Galexie object (`.xdr.zst`), decompressed: the XDR of one `LedgerCloseMetaBatch`. */
export function readBatchObject(path: string): Uint8Array {
  return Bun.zstdDecompressSync(readFileSync(path));
}

/** The `LedgerCloseMeta`s of a zstd framed stream (`load-test-ledgers-*.xdr.zstd`), as views. */
export function readFramedStream(path: string): Uint8Array[] {
  return splitFramedStream(Bun.zstdDecompressSync(readFileSync(path)), path);
}

function decodeBase64(text: string, where: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error(`${where}: not base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** The container formats named in expected.json. */
export type FixtureFormat = "base64lines" | "batch" | "framed";

/** One ledger's values in expected.json (decoded with stellar-base 15.0.0 by the fixture author). */
export interface ExpectedLedger {
  seq: number;
  closeTime: number;
  protocol: number;
  lcmVersion: number;
  txCount: number;
  failed: number;
  feeBumps: number;
  sorobanTxs: number;
  txMetaVersions: Record<string, number>;
  contractEvents: number;
  txLevelEvents: number;
  diagnosticEvents: number;
  envelopeHashCheck: { envelopes: number; matched: number; feeBumpEnvelopes: number; innerMatched: number };
  /** Real ledgers: every result hash in apply order, hex. */
  hashes?: string[];
  /** Real ledgers: fee-bump inner hashes in apply order, hex. */
  innerHashes?: string[];
  /** Synthetic ledgers: the first few result hashes, hex. */
  firstHashes?: string[];
  /** Synthetic ledgers: the last result hash, hex. */
  lastHash?: string;
}

/** One fixture entry of expected.json; `name` is its key there. */
export interface ExpectedFixture {
  name: string;
  file: string;
  format: FixtureFormat;
  networkPassphrase: string;
  ledgers: ExpectedLedger[];
}

/** Every fixture of expected.json, in file order. */
export function expectedFixtures(): ExpectedFixture[] {
  const parsed = JSON.parse(readFileSync(fixturePath("expected.json"), "utf8")) as {
    fixtures: Record<string, Omit<ExpectedFixture, "name">>;
  };
  return Object.entries(parsed.fixtures).map(([name, fixture]) => ({ name, ...fixture }));
}

/** The fixture named `name` in expected.json; throws when there is none. */
export function expectedFixture(name: string): ExpectedFixture {
  const fixture = expectedFixtures().find((candidate) => candidate.name === name);
  if (fixture === undefined) throw new Error(`expected.json has no fixture "${name}"`);
  return fixture;
}

/** The raw `LedgerCloseMeta` bytes of a fixture, one per ledger, in the order expected.json lists them. */
export function fixtureLedgers(fixture: ExpectedFixture): Uint8Array[] {
  const path = fixturePath(fixture.file);
  switch (fixture.format) {
    case "base64lines":
      return readBase64Lines(path);
    case "batch":
      return splitLedgerBatch(readBatchObject(path)).ledgers;
    case "framed":
      return readFramedStream(path);
  }
}

/** Lowercase hex of bytes (hashes in expected.json are lowercase hex). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * The XDR of `LedgerCloseMetaBatch{startSeq, endSeq, ledgers}` (uncompressed): src/synth's encoder,
 * then `range.endSeq` written over the header's endSequence, so a test can make the header
 * disagree with the ledgers it holds.
 */
export function encodeLedgerBatch(range: { startSeq: number; endSeq: number }, ledgers: readonly Uint8Array[]): Uint8Array {
  const bytes = encodeSynthLedgerBatch(range.startSeq as LedgerSeq, ledgers);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(4, range.endSeq);
  return bytes;
}

/**
 * `fullhistory inspect FILE`: what is in a ledger file, one JSON object per ledger on stdout:
 *
 *   {"seq":997,"closeTime":1707246039,"protocol":20,"txHashes":["d98f…"],"innerHashes":[],"eventCount":0}
 *
 * `txHashes` are the outer hashes in apply order, `innerHashes` the fee-bump inner hashes in apply
 * order, `eventCount` the contract and tx-level events the daemon indexes (no diagnostics).
 * FILE may be a lake object (`*.xdr.zst` / `*.xdr.zstd`, checked against the range its name
 * gives), any other zstd file holding a LedgerCloseMetaBatch or a framed stream (lake-and-xdr
 * §1.7), a text file of base64 LedgerCloseMeta lines, or one raw LedgerCloseMeta. It is the first
 * thing to run on a new lake: it reads with exactly the walker the daemon ingests with.
 * @module
 */

import { basename } from "node:path";
import { parseArgs } from "node:util";
import { errnoCode, FullhistoryError, UsageError } from "../errors.ts";
import { parseObjectName } from "../lake/datastore_schema.ts";
import { decodeLakeObject } from "../lake/decode_lake_object.ts";
import { LAST_FRAGMENT_BIT, splitFramedStream } from "../lake/split_framed_stream.ts";
import { splitLedgerBatch } from "../xdr/ledger_close_meta_batch.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { XdrError } from "../xdr/xdr_error.ts";
import { parseCommandFlags } from "./_command_args.ts";
import { type Command } from "./commands.ts";

/** The zstd frame magic number (RFC 8878 §3.1.1), little-endian on disk. */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]*$/;

export class InspectError extends FullhistoryError {
  override name = "InspectError";
}

/** One ledger as `inspect` prints it. */
export interface InspectedLedger {
  seq: number;
  closeTime: number;
  protocol: number;
  txHashes: string[];
  innerHashes: string[];
  eventCount: number;
}

export const INSPECT_COMMAND: Command = {
  name: "inspect",
  summary: "Print seq, close time, protocol, tx hashes and event count of each ledger in a file",
  usage: [
    "fullhistory inspect FILE",
    "  FILE: a lake object (*.xdr.zst, *.xdr.zstd), a zstd framed ledger stream, a file of base64",
    "  LedgerCloseMeta lines, or one raw LedgerCloseMeta. Prints one JSON object per ledger:",
    "  seq, closeTime, protocol, txHashes (apply order), innerHashes (fee bumps), eventCount.",
  ].join("\n"),
  async run(argv) {
    const { positionals } = parseCommandFlags("inspect", () => parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: {} }));
    const path = positionals[0];
    if (path === undefined || positionals.length !== 1) {
      throw new UsageError("inspect takes exactly one FILE: fullhistory inspect FILE");
    }
    for (const ledger of await inspectFile(path)) process.stdout.write(`${JSON.stringify(ledger)}\n`);
    return 0;
  },
};

/**
 * `inspect` holds the whole file in memory: a lake object is a few MB to a few hundred MB, so a
 * larger file is a wrong path (a disk image), refused before it is read.
 */
export const INSPECT_FILE_BYTES_MAX = 1024 * 1024 * 1024;

/** Reads `path` (a regular file of at most INSPECT_FILE_BYTES_MAX) and walks every ledger in it. */
export async function inspectFile(path: string): Promise<InspectedLedger[]> {
  let bytes: Uint8Array;
  try {
    // Stat before reading: a device (/dev/zero) would be read until memory runs out, a FIFO wait for a writer.
    const stats = await Bun.file(path).stat();
    if (!stats.isFile()) throw new InspectError(`Cannot inspect "${path}": not a regular file`);
    if (stats.size > INSPECT_FILE_BYTES_MAX) {
      throw new InspectError(`Cannot inspect "${path}": ${stats.size} bytes is more than inspect reads (${INSPECT_FILE_BYTES_MAX}); is it the right file?`);
    }
    bytes = await Bun.file(path).bytes();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    throw new InspectError(`Cannot inspect "${path}": reading it failed (${code})`, { cause: err });
  }
  try {
    return ledgersIn(path, bytes).map(describeLedger);
  } catch (err) {
    if (!(err instanceof XdrError)) throw err;
    throw new InspectError(`Cannot inspect "${path}": ${err.message}`, { cause: err });
  }
}

function ledgersIn(path: string, bytes: Uint8Array): readonly Uint8Array[] {
  const objectName = parseObjectName(basename(path));
  if (objectName !== undefined) return decodeLakeObject(bytes, { location: path, keyRange: objectName.range }).ledgers;
  if (ZSTD_MAGIC.every((byte, index) => bytes[index] === byte)) {
    const plain = decompress(path, bytes);
    // A framed stream opens with a record mark (top bit set); a batch with its start ledger (< 2^31).
    const firstWord = plain.length >= 4 ? new DataView(plain.buffer, plain.byteOffset, 4).getUint32(0) : 0;
    if ((firstWord & LAST_FRAGMENT_BIT) !== 0) return splitFramedStream(plain, path);
    return splitLedgerBatch(plain).ledgers;
  }
  const text = new TextDecoder().decode(bytes);
  if (bytes.length > 0 && BASE64_TEXT.test(text)) {
    return text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .map((line) => new Uint8Array(Buffer.from(line, "base64")));
  }
  return [bytes];
}

function decompress(path: string, bytes: Uint8Array): Uint8Array {
  try {
    return Bun.zstdDecompressSync(bytes);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InspectError(`Cannot inspect "${path}": zstd decompression failed (${detail})`, { cause: err });
  }
}

/** Walks one LedgerCloseMeta into what `inspect` prints (also `get-ledger`'s summary fields). */
export function describeLedger(lcm: Uint8Array): InspectedLedger {
  const view = walkLedger(lcm);
  const txHashes: string[] = [];
  const innerHashes: string[] = [];
  for (const tx of view.transactions) {
    txHashes.push(hexAt(lcm, tx.hashOffset));
    if (tx.innerHashOffset !== undefined) innerHashes.push(hexAt(lcm, tx.innerHashOffset));
  }
  return {
    seq: view.ledgerSeq,
    closeTime: view.closeTimeSec,
    protocol: view.protocolVersion,
    txHashes,
    innerHashes,
    eventCount: view.events.length,
  };
}

function hexAt(bytes: Uint8Array, byteOffset: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + byteOffset, 32).toString("hex");
}

/**
 * Test support for `src/hot`: synthesized and fixture ledgers placed at a chunk's first ledgers,
 * a raw dump of every column family (to prove "nothing changed" byte for byte), damage helpers,
 * and the events the walker extracts (the oracle for reads).
 * @module
 */

import { closeDb, columnFamily, type Db, openDb, scanRange } from "../../ffi/rocksdb.ts";
import { encodeEventPayload } from "../formats/event_payload.ts";
import { chunkFirstLedger, type ChunkId, type LedgerSeq } from "../geometry/chunk.ts";
import { LedgerSynth, type SynthLedgerSummary } from "../synth/ledger_synth.ts";
import { type SynthProfileName } from "../synth/synth_profile.ts";
import { ledgerSeqOf } from "../xdr/ledger_seq_of.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { HOT_COLUMN_FAMILIES } from "./_hot_schema.ts";
import { ledgerEventInputs } from "./ledger_event_inputs.ts";

export const TEST_PASSPHRASE = "Test SDF Network ; September 2015";

/** One ledger for a test: its seq, LCM bytes and (for synthesized ones) what the generator put in. */
export interface TestLedger {
  seq: LedgerSeq;
  lcm: Uint8Array;
  summary: SynthLedgerSummary | undefined;
}

const synthCache = new Map<string, TestLedger[]>();

/** `count` synthesized ledgers from chunk `chunkId`'s first ledger (cached per arguments; do not mutate). */
export function synthLedgers(options: { chunkId: ChunkId; count: number; profile: SynthProfileName; seed: number }): TestLedger[] {
  const cacheKey = `${options.chunkId}/${options.count}/${options.profile}/${options.seed}`;
  const cached = synthCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const synth = new LedgerSynth({ seed: options.seed, profile: options.profile, networkPassphrase: TEST_PASSPHRASE });
  const first = chunkFirstLedger(options.chunkId);
  const ledgers: TestLedger[] = [];
  for (let index = 0; index < options.count; index++) {
    const generated = synth.generate((first + index) as LedgerSeq);
    ledgers.push({ seq: generated.summary.seq, lcm: new Uint8Array(generated.lcm), summary: generated.summary });
  }
  synthCache.set(cacheKey, ledgers);
  return ledgers;
}

/**
 * `lcm` with its header's ledgerSeq replaced by `ledgerSeq`, so a real ledger can sit at a chunk's
 * first ledger (the hot DB only accepts a chunk from its start). Finds the field by value and
 * proves the patch with `ledgerSeqOf`.
 */
export function relabelLedger(lcm: Uint8Array, ledgerSeq: LedgerSeq): Uint8Array {
  const oldSeq = ledgerSeqOf(lcm);
  const pattern = [oldSeq >>> 24, (oldSeq >>> 16) & 0xff, (oldSeq >>> 8) & 0xff, oldSeq & 0xff];
  const headerBytesMax = Math.min(lcm.length - 4, 8192); // the header, with up to 6 upgrades of 128 B, is far shorter
  for (let byteOffset = 0; byteOffset <= headerBytesMax; byteOffset++) {
    if (pattern.some((byte, index) => lcm[byteOffset + index] !== byte)) continue;
    const patched = new Uint8Array(lcm); // a copy even when `lcm` is a Buffer (whose slice() is a view)
    new DataView(patched.buffer).setUint32(byteOffset, ledgerSeq, false);
    if (ledgerSeqOf(patched) === ledgerSeq) return patched;
  }
  throw new Error(`ledger ${oldSeq}: header seq field not found`);
}

/** Every column family's rows as `hex(key)=hex(value)` lines, read through a raw read-only open. */
export function dumpHotDb(dir: string): Record<string, string[]> {
  const db = openDb(dir, { createIfMissing: false, readOnly: true, columnFamilies: HOT_COLUMN_FAMILIES, profile: "hot" });
  try {
    const dump: Record<string, string[]> = {};
    for (const name of ["default", ...HOT_COLUMN_FAMILIES]) {
      dump[name] = [...scanRange(db, { cf: columnFamily(db, name) })].map(
        (entry) => `${Buffer.from(entry.key).toString("hex")}=${Buffer.from(entry.value).toString("hex")}`,
      );
    }
    return dump;
  } finally {
    closeDb(db);
  }
}

/** Runs `damage` on a raw read-write open of the hot DB in `dir` (the hot handle must be closed). */
export function damageHotDb(dir: string, damage: (db: Db) => void): void {
  const db = openDb(dir, { createIfMissing: false, readOnly: false, columnFamilies: HOT_COLUMN_FAMILIES, profile: "hot" });
  try {
    damage(db);
  } finally {
    closeDb(db);
  }
}

/** One event as the walker extracts it: its chunk-relative id, payload bytes and term keys. */
export interface ExpectedEvent {
  eventId: number;
  ledgerSeq: LedgerSeq;
  payloadBytes: Uint8Array;
  termKeys: readonly Uint8Array[];
}

/** The events of `ledgers` (consecutive from the chunk's first ledger) with ids from 0. */
export function expectedEvents(ledgers: readonly TestLedger[]): ExpectedEvent[] {
  const events: ExpectedEvent[] = [];
  for (const ledger of ledgers) {
    for (const input of ledgerEventInputs(walkLedger(ledger.lcm))) {
      events.push({
        eventId: events.length,
        ledgerSeq: ledger.seq,
        payloadBytes: encodeEventPayload({ ...input, ledgerSeq: ledger.seq }),
        termKeys: input.termKeys.map((key) => key.slice()),
      });
    }
  }
  return events;
}

/**
 * Child process for the hot DB kill test: opens (creating on first run) the hot DB of chunk 0 in
 * the directory given as argv[2], resumes at its derived watermark + 1, and ingests synthesized
 * ledgers (mixed profile, seed argv[3]) up to ledger argv[4]. After each commit it writes the
 * committed seq as one line to stdout (synchronously, so a line is out before the next batch
 * starts). The parent SIGKILLs it mid-ingestion.
 * @module
 */

import { existsSync, writeSync } from "node:fs";
import { type ChunkId, type LedgerSeq } from "../../src/geometry/chunk.ts";
import { openHotChunkDb } from "../../src/hot/hot_chunk_db.ts";
import { LedgerSynth } from "../../src/synth/ledger_synth.ts";

const [dir, seedText, lastText] = process.argv.slice(2);
if (dir === undefined || seedText === undefined || lastText === undefined) throw new Error("usage: hot_ingest_child DIR SEED LAST_LEDGER");
const chunkId = 0 as ChunkId;
const db = openHotChunkDb(dir, { chunkId, create: !existsSync(dir) });
const synth = new LedgerSynth({ seed: Number(seedText), profile: "mixed", networkPassphrase: "Test SDF Network ; September 2015" });
const resumeSeq = (db.maxCommittedSeq() ?? 1) + 1;
for (let ledgerSeq = resumeSeq; ledgerSeq <= Number(lastText); ledgerSeq++) {
  db.ingestLedger(ledgerSeq as LedgerSeq, synth.generate(ledgerSeq as LedgerSeq).lcm);
  writeSync(1, `${ledgerSeq}\n`);
}
db.close();

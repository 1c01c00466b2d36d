/**
 * Child process for the read commands' "beside a running daemon" test: holds a store the way the
 * daemon does while it ingests — every root `flock`ed (D4), the catalog open read-write, the live
 * chunk's hot DB open read-write through the hot bracket (its key must already be `ready`) — and
 * ingests that chunk's synthesized ledgers (sparse profile, the lake's seed, so the bytes are the
 * lake's) from its watermark + 1 through ledger LAST. Then prints `committed LAST` and holds
 * everything open until its stdin closes; it closes the DB, the catalog and the locks and exits 0.
 *
 *   bun hot_writer_child.ts CONFIG CHUNK_ID SEED LAST
 * @module
 */

import { closeCatalog, openCatalog } from "../../src/catalog/catalog.ts";
import { openHotDbForChunk } from "../../src/catalog/hot_bracket.ts";
import { loadConfig } from "../../src/config/load_config.ts";
import type { ChunkId, LedgerSeq } from "../../src/geometry/chunk.ts";
import { Layout, STORAGE_ROOT_NAMES } from "../../src/geometry/layout.ts";
import { WindowGeometry } from "../../src/geometry/windows.ts";
import { hotDbOpener } from "../../src/hot/hot_db_opener.ts";
import { lockRoots } from "../../src/lock/root_locks.ts";
import { LedgerSynth } from "../../src/synth/ledger_synth.ts";
import { TEST_PASSPHRASE } from "./read_store.ts";

const [configPath, chunkText, seedText, lastText] = process.argv.slice(2);
if (configPath === undefined || chunkText === undefined || seedText === undefined || lastText === undefined) {
  throw new Error("usage: hot_writer_child CONFIG CHUNK_ID SEED LAST");
}
const chunkId = Number(chunkText) as ChunkId;
const config = await loadConfig(configPath);
const layout = new Layout(config.storage.roots, new WindowGeometry());
const locks = lockRoots(STORAGE_ROOT_NAMES.map((name) => layout.roots[name]));
const catalog = openCatalog(layout, { readOnly: false });
const db = openHotDbForChunk(catalog, chunkId, hotDbOpener(chunkId));
const synth = new LedgerSynth({ seed: Number(seedText), profile: "sparse", networkPassphrase: TEST_PASSPHRASE });
const resumeLedgerSeq = db.maxCommittedSeq()! + 1;
for (let ledgerSeq = resumeLedgerSeq; ledgerSeq <= Number(lastText); ledgerSeq++) {
  db.ingestLedger(ledgerSeq as LedgerSeq, synth.generate(ledgerSeq as LedgerSeq).lcm);
}
process.stdout.write(`committed ${lastText}\n`);
await Bun.stdin.text(); // resolves when the parent closes our stdin
db.close();
closeCatalog(catalog);
locks.release();

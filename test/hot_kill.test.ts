/**
 * A hot chunk DB survives `kill -9` at any instant of ingestion (reference §7.11, README
 * invariants): a real child process ingests with synced batches and is SIGKILLed after it has
 * acknowledged some ledgers; the DB must then pass every open-time check, hold every acknowledged
 * ledger byte for byte (at most one more, committed before its acknowledgement was written), and
 * let the next child resume exactly after its watermark.
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChunkId, chunkFirstLedger, type LedgerSeq } from "../src/geometry/chunk.ts";
import { openHotChunkDb } from "../src/hot/hot_chunk_db.ts";
import { LedgerSynth } from "../src/synth/ledger_synth.ts";

const CHILD_SCRIPT = join(import.meta.dir, "support", "hot_ingest_child.ts");
const SEED = 41;
const LAST_LEDGER = 3000; // far more than a child gets through before it is killed
const chunk0 = 0 as ChunkId;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "fullhistory-hot-kill-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged `ackCount` ledgers, SIGKILLs it, returns its first and last ack. */
async function ingestThenKill(dir: string, ackCount: number): Promise<{ firstAck: number; lastAck: number }> {
  const child = Bun.spawn([process.execPath, CHILD_SCRIPT, dir, String(SEED), String(LAST_LEDGER)], { stdout: "pipe", stderr: "inherit" });
  const decoder = new TextDecoder();
  let text = "";
  let killed = false;
  for await (const chunk of child.stdout) {
    text += decoder.decode(chunk, { stream: true });
    if (!killed && text.split("\n").length - 1 >= ackCount) {
      child.kill("SIGKILL");
      killed = true;
    }
  }
  await child.exited;
  expect(child.signalCode).toBe("SIGKILL");
  const acks = text.split("\n").filter((line) => line.length > 0).map(Number);
  expect(acks.length).toBeGreaterThanOrEqual(ackCount);
  acks.forEach((ack, index) => index > 0 && expect(ack).toBe(acks[index - 1]! + 1));
  return { firstAck: acks[0]!, lastAck: acks[acks.length - 1]! };
}

test("a hot DB killed with SIGKILL mid-ingestion reopens clean with every acknowledged ledger, twice over", async () => {
  const dir = join(root, "00000000");
  const synth = new LedgerSynth({ seed: SEED, profile: "mixed", networkPassphrase: "Test SDF Network ; September 2015" });
  let previousWatermark = chunkFirstLedger(chunk0) - 1;
  for (const ackCount of [25, 40]) {
    const { firstAck, lastAck } = await ingestThenKill(dir, ackCount);
    expect(firstAck).toBe(previousWatermark + 1);
    const db = openHotChunkDb(dir, { chunkId: chunk0, create: false });
    try {
      const watermark = db.maxCommittedSeq()!;
      expect(watermark).toBeGreaterThanOrEqual(lastAck);
      expect(watermark).toBeLessThanOrEqual(lastAck + 1); // committed, killed before its ack was written
      let ledgerSeq = chunkFirstLedger(chunk0) as number;
      for (const lcm of db.ledgers(chunkFirstLedger(chunk0), watermark)) {
        expect(lcm).toEqual(synth.generate(ledgerSeq as LedgerSeq).lcm);
        ledgerSeq++;
      }
      expect(ledgerSeq).toBe(watermark + 1);
      previousWatermark = watermark;
    } finally {
      db.close();
    }
  }
}, 60_000);

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { openLakeSource } from "../lake/open_lake_source.ts";
import { walkLedger } from "../xdr/walk_ledger.ts";
import { writeSynthLake, SynthLakeError } from "./synth_lake.ts";

const PASSPHRASE = "Standalone Network ; February 2017";
let outDir = "";

afterEach(() => rmSync(outDir, { recursive: true, force: true }));

function lakeOptions(first: number, last: number) {
  outDir = mkdtempSync(join(tmpdir(), "fullhistory-synth-lake-"));
  return {
    outDir,
    first: first as LedgerSeq,
    last: last as LedgerSeq,
    profile: "sparse" as const,
    seed: 3,
    networkPassphrase: PASSPHRASE,
    ledgersPerFile: 8,
    filesPerPartition: 4,
  };
}

describe("writeSynthLake()", () => {
  test("writeSynthLake() starts the genesis batch at ledger 2 and widens the end to a whole batch", async () => {
    const report = await writeSynthLake(lakeOptions(2, 10));
    expect(report).toMatchObject({ first: 2, last: 15, objectCount: 2 });
    expect(await Bun.file(join(outDir, "FFFFFFFF--0-31", "FFFFFFFF--0-7.xdr.zst")).exists()).toBe(true);
    const source = await openLakeSource({
      type: "Filesystem",
      params: { destination_path: outDir },
      schema: {},
      bsb: { bufferObjectCount: 2, workerCount: 1, maxRetries: 0, retryWaitMs: 0 },
      networkPassphrase: PASSPHRASE,
    });
    expect(await source.networkTip()).toBe(15 as LedgerSeq);
    const seqs: number[] = [];
    for await (const ledger of source.ledgers({ first: 2 as LedgerSeq, last: 15 as LedgerSeq })) seqs.push(walkLedger(ledger).ledgerSeq);
    expect(seqs).toEqual(Array.from({ length: 14 }, (_, index) => 2 + index));
  });

  test("writeSynthLake() rejects a first ledger below genesis", async () => {
    await expect(writeSynthLake(lakeOptions(1, 10))).rejects.toThrow(SynthLakeError);
  });

  test("writeSynthLake() rejects a reversed range", async () => {
    await expect(writeSynthLake(lakeOptions(20, 10))).rejects.toThrow(/last is before first/);
  });
});

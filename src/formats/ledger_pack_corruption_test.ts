import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type CorruptionProbe, everyBit, everyShorterLength, hexList, sweepCorruptions } from "./_corruption_sweep.ts";
import { type LedgerPackReader, openLedgerPack } from "./ledger_pack_reader.ts";
import { createLedgerPackWriter } from "./ledger_pack_writer.ts";
import { makeTempDir, pseudoRandomBytes } from "./_test_support.ts";

const FIRST = 50_002 as LedgerSeq;
const LEDGER_COUNT = 6;
const seq = (n: number) => n as LedgerSeq;

let dir: { path: string; remove: () => void };
beforeAll(() => {
  dir = makeTempDir("ledger-pack-corruption");
});
afterAll(() => dir.remove());

test("every bit flip (appData included) and truncation of a ledger pack is a CorruptFileError naming it or the original ledgers", () => {
  const path = join(dir.path, "00000005.pack");
  const writer = createLedgerPackWriter(path, FIRST);
  for (let l = 0; l < LEDGER_COUNT; l++) writer.append(seq(FIRST + l), pseudoRandomBytes(20 + 9 * l, l + 1));
  writer.finish();
  const clean = new Uint8Array(fs.readFileSync(path));
  const probe: CorruptionProbe<LedgerPackReader> = {
    open: (packPath) => openLedgerPack(packPath, { firstLedgerSeq: FIRST, ledgerCount: LEDGER_COUNT }),
    close: (reader) => reader.close(),
    reads: {
      ...Object.fromEntries(
        Array.from({ length: LEDGER_COUNT }, (_, l) => [`ledger(${FIRST + l})`, (reader: LedgerPackReader) => hexList([reader.ledger(seq(FIRST + l))])]),
      ),
      ledgers: (reader) => hexList(reader.ledgers(FIRST, seq(FIRST + LEDGER_COUNT - 1))),
      middle: (reader) => hexList(reader.ledgers(seq(FIRST + 2), seq(FIRST + 3))),
    },
  };
  const findings = sweepCorruptions(clean, { path, probe, plan: { bitOffsets: everyBit(clean.length), truncatedLengths: everyShorterLength(clean.length) } });
  expect(findings).toEqual([]);
});

/**
 * `fullhistory synth-lake`: writes a synthetic ledger lake (Galexie layout, real hashes, LCM V2)
 * for tests, benchmarks and the demo. Same arguments, same bytes. See `src/synth/synth_lake.ts`
 * for what is written and how the range is widened to whole batches.
 * @module
 */

import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { LEDGER_SEQ_MAX, type LedgerSeq } from "../geometry/chunk.ts";
import { writeSynthLake } from "../synth/synth_lake.ts";
import { SYNTH_PROFILE_NAMES, type SynthProfileName } from "../synth/synth_profile.ts";
import { parseCommandFlags } from "./_command_args.ts";
import { type Command } from "./commands.ts";

/** Defaults: a standalone network (synthetic data is nobody's real chain) and the pubnet lake schema. */
export const SYNTH_PASSPHRASE_DEFAULT = "Standalone Network ; February 2017";
const LEDGERS_PER_FILE_DEFAULT = 1;
const FILES_PER_PARTITION_DEFAULT = 64000;
const SEED_DEFAULT = 1;

export const SYNTH_LAKE_COMMAND: Command = {
  name: "synth-lake",
  summary: "Write a synthetic ledger lake (Galexie layout, real hashes) for tests and demos",
  usage: [
    "fullhistory synth-lake --out DIR --first N --last M [--profile dense|mixed|sparse] [--seed S]",
    "                       [--passphrase P] [--ledgers-per-file K] [--files-per-partition F]",
    "  --out DIR                the lake root to write (.config.json and the objects)",
    "  --first N, --last M      ledgers to generate, N >= 2; widened to whole batches of K",
    "  --profile                dense (~1 MB, ~250 txs per ledger), mixed (default), sparse",
    `  --seed S                 PRNG seed (default ${SEED_DEFAULT}); same arguments, same bytes`,
    `  --passphrase P           network passphrase (default "${SYNTH_PASSPHRASE_DEFAULT}")`,
    `  --ledgers-per-file K     ledgers per object (default ${LEDGERS_PER_FILE_DEFAULT})`,
    `  --files-per-partition F  objects per partition directory (default ${FILES_PER_PARTITION_DEFAULT})`,
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseCommandFlags("synth-lake", () =>
      parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: true,
        options: {
          out: { type: "string" },
          first: { type: "string" },
          last: { type: "string" },
          profile: { type: "string", default: "mixed" },
          seed: { type: "string", default: String(SEED_DEFAULT) },
          passphrase: { type: "string", default: SYNTH_PASSPHRASE_DEFAULT },
          "ledgers-per-file": { type: "string", default: String(LEDGERS_PER_FILE_DEFAULT) },
          "files-per-partition": { type: "string", default: String(FILES_PER_PARTITION_DEFAULT) },
        },
      }),
    );
    if (positionals.length > 0) throw new UsageError(`synth-lake takes no positional arguments, got "${positionals[0]}"`);
    if (values.out === undefined || values.out === "") throw new UsageError("synth-lake needs --out DIR");
    const report = await writeSynthLake({
      outDir: values.out,
      first: uint32Flag("--first", values.first) as LedgerSeq,
      last: uint32Flag("--last", values.last) as LedgerSeq,
      profile: profileFlag(values.profile),
      seed: uint32Flag("--seed", values.seed),
      networkPassphrase: values.passphrase,
      ledgersPerFile: uint32Flag("--ledgers-per-file", values["ledgers-per-file"]),
      filesPerPartition: uint32Flag("--files-per-partition", values["files-per-partition"]),
    });
    process.stdout.write(
      `synth-lake: wrote ledgers [${report.first}, ${report.last}] as ${report.objectCount} objects ` +
        `(${report.ledgerBytes} bytes of XDR, ${report.objectBytes} compressed) to "${values.out}"\n`,
    );
    return 0;
  },
};

function uint32Flag(flag: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`synth-lake needs ${flag}`);
  if (!/^\d{1,10}$/.test(value) || Number(value) > LEDGER_SEQ_MAX) {
    throw new UsageError(`Flag ${flag} must be an integer in [0, ${LEDGER_SEQ_MAX}], got "${value}"`);
  }
  return Number(value);
}

function profileFlag(value: string): SynthProfileName {
  const profile = SYNTH_PROFILE_NAMES.find((name) => name === value);
  if (profile === undefined) {
    throw new UsageError(`Flag --profile must be one of ${SYNTH_PROFILE_NAMES.join(", ")}, got "${value}"`);
  }
  return profile;
}

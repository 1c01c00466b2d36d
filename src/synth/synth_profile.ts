/**
 * The shapes `synth-lake` can generate. `dense` approximates the synthetic v25 fixture
 * (lake-and-xdr §6: ≈ 1.2 MB and 258 txs per ledger, almost all Soroban, ≈ 5 contract events per
 * tx); `mixed` is the default: tens of txs, some empty ledgers, classic and Soroban, fee bumps and
 * failures; `sparse` is mostly empty ledgers (a quiet network or a test that wants small files).
 * @module
 */

export const SYNTH_PROFILE_NAMES = ["dense", "mixed", "sparse"] as const;
export type SynthProfileName = (typeof SYNTH_PROFILE_NAMES)[number];

/** Probabilities are per ledger or per tx as named; counts are inclusive ranges. */
export interface SynthProfile {
  readonly emptyLedgerChance: number;
  readonly txCountMin: number;
  readonly txCountMax: number;
  readonly sorobanTxChance: number;
  readonly feeBumpChance: number;
  readonly failedTxChance: number;
  /** Payments per classic tx. */
  readonly paymentOpsMax: number;
  /** Contract events per successful Soroban tx. */
  readonly contractEventsMin: number;
  readonly contractEventsMax: number;
  /** Contract-data entries a Soroban tx writes, and the size of each value: most of a dense ledger's bytes. */
  readonly sorobanWritesMax: number;
  readonly sorobanValueBytesMax: number;
  /** Diagnostic events per Soroban tx (never indexed; present so readers must skip them). */
  readonly diagnosticEventsMax: number;
}

export const SYNTH_PROFILES: Readonly<Record<SynthProfileName, SynthProfile>> = {
  dense: {
    emptyLedgerChance: 0,
    txCountMin: 240,
    txCountMax: 270,
    sorobanTxChance: 0.96,
    feeBumpChance: 0.02,
    failedTxChance: 0.01,
    paymentOpsMax: 1,
    contractEventsMin: 4,
    contractEventsMax: 6,
    sorobanWritesMax: 3,
    sorobanValueBytesMax: 1400,
    diagnosticEventsMax: 0,
  },
  mixed: {
    emptyLedgerChance: 0.1,
    txCountMin: 5,
    txCountMax: 60,
    sorobanTxChance: 0.3,
    feeBumpChance: 0.08,
    failedTxChance: 0.1,
    paymentOpsMax: 3,
    contractEventsMin: 0,
    contractEventsMax: 6,
    sorobanWritesMax: 2,
    sorobanValueBytesMax: 256,
    diagnosticEventsMax: 2,
  },
  sparse: {
    emptyLedgerChance: 0.8,
    txCountMin: 1,
    txCountMax: 5,
    sorobanTxChance: 0.3,
    feeBumpChance: 0.1,
    failedTxChance: 0.1,
    paymentOpsMax: 2,
    contractEventsMin: 0,
    contractEventsMax: 4,
    sorobanWritesMax: 1,
    sorobanValueBytesMax: 128,
    diagnosticEventsMax: 1,
  },
};

/**
 * Synthetic `LedgerCloseMeta` V2 ledgers (protocol 23+ shapes) with real hashes, for `synth-lake`,
 * the tests and the demo. Each ledger is a pure function of (seed, profile, passphrase, seq): its
 * own PRNG stream is seeded by the seq, so any ledger can be regenerated alone and the same
 * arguments always give the same bytes.
 *
 * What a ledger holds (lake-and-xdr §2.2, §3, §4):
 *   - a GeneralizedTransactionSet v1 with two phases: classic (v0 components) and Soroban
 *     (ParallelTxsComponent: stages of clusters); envelopes in hash order, which is NOT apply order;
 *   - txProcessing in apply order: TransactionResultMetaV1 whose result hash is the envelope's real
 *     hash under the passphrase (§4); fee bumps carry the inner hash in the inner result pair;
 *     failed txs carry txFAILED / txFEE_BUMP_INNER_FAILED and no operation meta;
 *   - TxMeta V4: per-operation contract events (classic payments emit a CAP-67 transfer event,
 *     Soroban invocations 0–6 events with 0–4 topics drawn from small pools so topics and contracts
 *     repeat), tx-level fee events at every stage (before-all, after-tx, after-all), and
 *     diagnostic events that indexes must skip.
 * Not modelled: a real hash chain (previousLedgerHash, skip list and result-set hash are random),
 * SCP history, upgrades, evictions.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import {
  CHANGE_UPDATED,
  ENVELOPE_TYPE_TX,
  ENVELOPE_TYPE_TX_FEE_BUMP,
  OP_INVOKE_HOST_FUNCTION,
  OP_PAYMENT,
  scAccountAddress,
  scContractAddress,
  scI128,
  scString,
  scSymbol,
  scU32,
  scU64,
  writeAccount,
  writeAccountChangePair,
  writeContractAddress,
  writeContractDataEntry,
  writeContractDataKey,
  writeContractEvent,
  writeSignature,
} from "./_synth_xdr.ts";
import { Prng } from "./prng.ts";
import { SYNTH_PROFILES, type SynthProfile, type SynthProfileName } from "./synth_profile.ts";
import { XdrWriter } from "./xdr_writer.ts";

/** The protocol every synthetic ledger claims (the newest the fixtures cover, lake-and-xdr §6). */
export const SYNTH_PROTOCOL_VERSION = 25;
/** Close time of ledger 0; each ledger closes 5 s after the previous one. */
export const SYNTH_CLOSE_TIME_ORIGIN = 1_700_000_000;
export const SYNTH_CLOSE_INTERVAL_SECONDS = 5;

const LCM_VERSION_V2 = 2;
const TX_META_V4 = 4;
const TX_SUCCESS = 0;
const TX_FAILED = -1;
const TX_FEE_BUMP_INNER_SUCCESS = 1;
const TX_FEE_BUMP_INNER_FAILED = -13;
const OP_INNER = 0;
const PAYMENT_UNDERFUNDED = -2;
const INVOKE_TRAPPED = -2;
const STAGE_BEFORE_ALL_TXS = 0;
const STAGE_AFTER_TX = 1;
const STAGE_AFTER_ALL_TXS = 2;
const BASE_FEE_STROOPS = 100;
const ACCOUNT_POOL_SIZE = 256;
const CONTRACT_POOL_SIZE = 24;
const EVENT_SYMBOLS = ["transfer", "mint", "burn", "approve", "swap", "deposit", "withdraw", "claim"] as const;
const FUNCTION_NAMES = ["swap", "transfer", "deposit", "vote", "mint", "claim"] as const;
const ASSET_NAMES = ["native", "USDC:GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN", "EURC"] as const;
/** Parallel Soroban phase bounds (the shapes core builds: a few stages of a few clusters). */
const STAGES_MAX = 2;
const CLUSTERS_PER_STAGE_MAX = 4;

/** What the generator put into one ledger: the oracle the tests compare decoders against. */
export interface SynthLedgerSummary {
  readonly seq: LedgerSeq;
  readonly closeTime: number;
  readonly protocol: number;
  /** Outer tx hashes in apply order (= `TransactionResultPair.transactionHash`). */
  readonly txHashes: readonly Uint8Array[];
  /** Fee-bump inner hashes in apply order. */
  readonly innerHashes: readonly Uint8Array[];
  readonly sorobanTxCount: number;
  readonly failedTxCount: number;
  /** Operation-level contract events (TxMeta V4 `operations[i].events`). */
  readonly contractEventCount: number;
  /** Tx-level events (TxMeta V4 `events`). */
  readonly txLevelEventCount: number;
  readonly diagnosticEventCount: number;
}

export interface SynthLedger {
  /** The `LedgerCloseMeta` XDR (union arm 2). */
  readonly lcm: Uint8Array;
  readonly summary: SynthLedgerSummary;
}

export interface LedgerSynthOptions {
  readonly seed: number;
  readonly profile: SynthProfileName;
  readonly networkPassphrase: string;
}

/** One transaction, decided before any byte is written. */
interface TxPlan {
  readonly soroban: boolean;
  readonly feeBump: boolean;
  readonly failed: boolean;
  readonly sourceKey: Uint8Array;
  readonly feeSourceKey: Uint8Array;
  readonly seqNum: number;
  readonly fee: number;
  readonly feeCharged: number;
  readonly balance: number;
  readonly payments: readonly { destinationKey: Uint8Array; amount: number }[];
  readonly contractId: Uint8Array;
  readonly writes: readonly { keySymbol: string; valueBytes: number }[];
  readonly contractEventCount: number;
  readonly diagnosticEventCount: number;
  readonly refundStage: number;
  envelope: Uint8Array;
  hash: Uint8Array;
  innerHash: Uint8Array | undefined;
}

/** Generates ledgers for one (seed, profile, passphrase). Reuses its buffers: not reentrant. */
export class LedgerSynth {
  readonly #seed: number;
  readonly #profile: SynthProfile;
  readonly #networkId: Uint8Array;
  readonly #accounts: Uint8Array[];
  readonly #contracts: Uint8Array[];
  readonly #nativeContractId: Uint8Array;
  readonly #scratch = new XdrWriter(4096);
  readonly #txSet = new XdrWriter(256 * 1024);
  readonly #out = new XdrWriter(1024 * 1024);

  constructor(options: LedgerSynthOptions) {
    assert(Number.isSafeInteger(options.seed) && options.seed >= 0, `seed ${options.seed} must be a non-negative integer`);
    this.#seed = options.seed;
    this.#profile = SYNTH_PROFILES[options.profile];
    this.#networkId = sha256(new TextEncoder().encode(options.networkPassphrase));
    const poolPrng = new Prng(options.seed, 0xffff_ffff);
    this.#accounts = randomKeys(poolPrng, ACCOUNT_POOL_SIZE);
    this.#contracts = randomKeys(poolPrng, CONTRACT_POOL_SIZE);
    this.#nativeContractId = sha256(concat(this.#networkId, new TextEncoder().encode("native")));
  }

  /** Ledger `ledgerSeq`: its LCM bytes and what was put in it. */
  generate(ledgerSeq: LedgerSeq): SynthLedger {
    const prng = new Prng(this.#seed, ledgerSeq);
    const closeTime = SYNTH_CLOSE_TIME_ORIGIN + ledgerSeq * SYNTH_CLOSE_INTERVAL_SECONDS;
    const plans = this.#planTransactions(prng, ledgerSeq);
    for (const plan of plans) this.#encodeEnvelope(prng, plan, closeTime);
    const txSetBytes = this.#encodeTxSet(prng, plans);
    const out = this.#out;
    out.reset();
    out.u32(LCM_VERSION_V2);
    out.u32(0); // LedgerCloseMetaExt v0
    this.#writeHeaderEntry(prng, { ledgerSeq, closeTime, txSetHash: sha256(txSetBytes) });
    out.fixed(txSetBytes);
    out.u32(plans.length);
    const counts = { contract: 0, txLevel: 0, diagnostic: 0 };
    for (const plan of plans) this.#writeResultMeta(prng, plan, { ledgerSeq, counts });
    out.u32(0); // upgradesProcessing
    out.u32(0); // scpInfo
    out.u64(1_000_000_000 + ledgerSeq); // totalByteSizeOfLiveSorobanState
    out.u32(0); // evictedKeys
    return {
      lcm: out.finish(),
      summary: {
        seq: ledgerSeq,
        closeTime,
        protocol: SYNTH_PROTOCOL_VERSION,
        txHashes: plans.map((plan) => plan.hash),
        innerHashes: plans.flatMap((plan) => (plan.innerHash === undefined ? [] : [plan.innerHash])),
        sorobanTxCount: plans.filter((plan) => plan.soroban).length,
        failedTxCount: plans.filter((plan) => plan.failed).length,
        contractEventCount: counts.contract,
        txLevelEventCount: counts.txLevel,
        diagnosticEventCount: counts.diagnostic,
      },
    };
  }

  /** Decides every tx of the ledger; apply order = classic phase first, then Soroban (as core applies). */
  #planTransactions(prng: Prng, ledgerSeq: number): TxPlan[] {
    const profile = this.#profile;
    if (prng.chance(profile.emptyLedgerChance)) return [];
    const txCount = prng.between(profile.txCountMin, profile.txCountMax);
    const classic: TxPlan[] = [];
    const soroban: TxPlan[] = [];
    for (let txIndex = 0; txIndex < txCount; txIndex++) {
      const isSoroban = prng.chance(profile.sorobanTxChance);
      const failed = prng.chance(profile.failedTxChance);
      const fee = BASE_FEE_STROOPS * prng.between(1, 50) + (isSoroban ? prng.between(10_000, 200_000) : 0);
      const plan: TxPlan = {
        soroban: isSoroban,
        feeBump: prng.chance(profile.feeBumpChance),
        failed,
        sourceKey: this.#accounts[prng.skewed(ACCOUNT_POOL_SIZE)]!,
        feeSourceKey: this.#accounts[prng.skewed(ACCOUNT_POOL_SIZE)]!,
        seqNum: ledgerSeq * 1000 + txIndex,
        fee,
        feeCharged: Math.max(BASE_FEE_STROOPS, fee - prng.below(fee / 2)),
        balance: 10_000_000_000 + prng.below(1_000_000_000),
        payments: isSoroban ? [] : this.#planPayments(prng),
        contractId: this.#contracts[prng.skewed(CONTRACT_POOL_SIZE)]!,
        writes: isSoroban ? planWrites(prng, profile) : [],
        contractEventCount: isSoroban && !failed ? prng.between(profile.contractEventsMin, profile.contractEventsMax) : 0,
        diagnosticEventCount: isSoroban ? prng.between(0, profile.diagnosticEventsMax) : 0,
        refundStage: prng.chance(0.5) ? STAGE_AFTER_TX : STAGE_AFTER_ALL_TXS,
        envelope: EMPTY,
        hash: EMPTY,
        innerHash: undefined,
      };
      (isSoroban ? soroban : classic).push(plan);
    }
    return [...classic, ...soroban];
  }

  #planPayments(prng: Prng): { destinationKey: Uint8Array; amount: number }[] {
    const payments = [];
    const paymentCount = prng.between(1, this.#profile.paymentOpsMax);
    for (let opIndex = 0; opIndex < paymentCount; opIndex++) {
      payments.push({ destinationKey: this.#accounts[prng.skewed(ACCOUNT_POOL_SIZE)]!, amount: prng.between(1, 1_000_000_000) });
    }
    return payments;
  }

  /** Writes the TransactionEnvelope and computes its hash(es) from the signed bytes (§4). */
  #encodeEnvelope(prng: Prng, plan: TxPlan, closeTime: number): void {
    const writer = this.#scratch;
    writer.reset();
    if (plan.feeBump) {
      writer.u32(ENVELOPE_TYPE_TX_FEE_BUMP);
      const feeBumpStart = writer.byteLength;
      writeAccount(writer, plan.feeSourceKey);
      writer.i64(plan.fee * 2);
      writer.u32(ENVELOPE_TYPE_TX); // innerTx arm
      const innerStart = writer.byteLength;
      this.#writeTransaction(prng, plan, closeTime);
      plan.innerHash = this.#txHash(ENVELOPE_TYPE_TX, writer.view(innerStart));
      writer.u32(1);
      writeSignature(writer, prng);
      writer.u32(0); // FeeBumpTransaction ext
      plan.hash = this.#txHash(ENVELOPE_TYPE_TX_FEE_BUMP, writer.view(feeBumpStart));
    } else {
      writer.u32(ENVELOPE_TYPE_TX);
      const txStart = writer.byteLength;
      this.#writeTransaction(prng, plan, closeTime);
      plan.hash = this.#txHash(ENVELOPE_TYPE_TX, writer.view(txStart));
    }
    writer.u32(1);
    writeSignature(writer, prng);
    plan.envelope = writer.finish();
  }

  /** `Transaction`: classic payments, or one InvokeHostFunction with its Soroban resources. */
  #writeTransaction(prng: Prng, plan: TxPlan, closeTime: number): void {
    const writer = this.#scratch;
    writeAccount(writer, plan.sourceKey);
    writer.u32(plan.fee);
    writer.i64(plan.seqNum);
    if (prng.chance(0.5)) {
      writer.u32(1); // PRECOND_TIME
      writer.u64(0);
      writer.u64(closeTime + 300);
    } else {
      writer.u32(0); // PRECOND_NONE
    }
    if (!plan.soroban && prng.chance(0.3)) {
      writer.u32(2); // MEMO_ID
      writer.u64(prng.nextU32());
    } else {
      writer.u32(0); // MEMO_NONE
    }
    if (!plan.soroban) {
      writer.u32(plan.payments.length);
      for (const payment of plan.payments) {
        writer.u32(0); // op source absent
        writer.u32(OP_PAYMENT);
        writeAccount(writer, payment.destinationKey);
        writer.u32(0); // ASSET_TYPE_NATIVE
        writer.i64(payment.amount);
      }
      writer.u32(0); // TransactionExt v0
      return;
    }
    writer.u32(1);
    writer.u32(0); // op source absent
    writer.u32(OP_INVOKE_HOST_FUNCTION);
    writer.u32(0); // HOST_FUNCTION_TYPE_INVOKE_CONTRACT
    writeContractAddress(writer, plan.contractId);
    writer.string(FUNCTION_NAMES[prng.below(FUNCTION_NAMES.length)]!);
    writer.u32(2);
    scAccountAddress(writer, plan.sourceKey);
    scI128(writer, prng.between(1, 1_000_000_000));
    writer.u32(0); // auth
    writer.u32(1); // TransactionExt v1: SorobanTransactionData
    writer.u32(0); // SorobanTransactionData ext
    writer.u32(1); // footprint.readOnly
    writeContractDataKey(writer, plan.contractId, "Config");
    writer.u32(plan.writes.length); // footprint.readWrite
    for (const write of plan.writes) writeContractDataKey(writer, plan.contractId, write.keySymbol);
    writer.u32(prng.between(1_000_000, 50_000_000)); // instructions
    writer.u32(prng.between(1_000, 100_000)); // diskReadBytes
    writer.u32(prng.between(1_000, 100_000)); // writeBytes
    writer.i64(plan.fee - BASE_FEE_STROOPS);
  }

  /** GeneralizedTransactionSet v1: phase 0 classic (hash order), phase 1 parallel Soroban. */
  #encodeTxSet(prng: Prng, plans: readonly TxPlan[]): Uint8Array {
    const writer = this.#txSet;
    writer.reset();
    writer.u32(1); // GeneralizedTransactionSet v1
    prng.fill(writer.claim(32)); // previousLedgerHash
    writer.u32(2); // phases
    const classic = plans.filter((plan) => !plan.soroban).sort(byHash);
    writer.u32(0); // phase v0: components
    writer.u32(classic.length === 0 ? 0 : 1);
    if (classic.length > 0) {
      writer.u32(0); // TXSET_COMP_TXS_MAYBE_DISCOUNTED_FEE
      writer.u32(1); // baseFee present
      writer.i64(BASE_FEE_STROOPS);
      writer.u32(classic.length);
      for (const plan of classic) writer.fixed(plan.envelope);
    }
    const soroban = plans.filter((plan) => plan.soroban).sort(byHash);
    writer.u32(1); // phase v1: ParallelTxsComponent
    writer.u32(1); // baseFee present
    writer.i64(BASE_FEE_STROOPS);
    const stageCount = Math.min(STAGES_MAX, soroban.length);
    writer.u32(stageCount);
    let next = 0;
    for (let stage = 0; stage < stageCount; stage++) {
      const stageTxs = soroban.slice(next, stage === stageCount - 1 ? soroban.length : next + Math.ceil(soroban.length / stageCount));
      next += stageTxs.length;
      const clusterCount = Math.min(stageTxs.length, prng.between(1, CLUSTERS_PER_STAGE_MAX));
      writer.u32(clusterCount);
      for (let cluster = 0; cluster < clusterCount; cluster++) {
        const clusterTxs = stageTxs.filter((_, index) => index % clusterCount === cluster);
        writer.u32(clusterTxs.length);
        for (const plan of clusterTxs) writer.fixed(plan.envelope);
      }
    }
    assert(next === soroban.length, `placed ${next} of ${soroban.length} Soroban txs in stages`);
    return writer.finish();
  }

  /** LedgerHeaderHistoryEntry; its hash is SHA-256 of the header bytes, patched in afterwards. */
  #writeHeaderEntry(prng: Prng, header: { ledgerSeq: number; closeTime: number; txSetHash: Uint8Array }): void {
    const out = this.#out;
    const hashOffset = out.byteLength;
    out.claim(32);
    const headerStart = out.byteLength;
    out.u32(SYNTH_PROTOCOL_VERSION);
    prng.fill(out.claim(32)); // previousLedgerHash (not a real chain)
    out.fixed(header.txSetHash); // scpValue.txSetHash
    out.u64(header.closeTime);
    out.u32(0); // upgrades
    out.u32(0); // STELLAR_VALUE_BASIC
    prng.fill(out.claim(32)); // txSetResultHash
    prng.fill(out.claim(32)); // bucketListHash
    out.u32(header.ledgerSeq);
    out.i64(5_000_000_000_000_000); // totalCoins
    out.i64(prng.below(1_000_000_000_000)); // feePool
    out.u32(0); // inflationSeq
    out.u64(header.ledgerSeq * 10); // idPool
    out.u32(BASE_FEE_STROOPS);
    out.u32(5_000_000); // baseReserve
    out.u32(1000); // maxTxSetSize
    prng.fill(out.claim(4 * 32)); // skipList
    out.u32(0); // LedgerHeader ext
    out.patch(hashOffset, sha256(out.view(headerStart)));
    out.u32(0); // LedgerHeaderHistoryEntry ext
  }

  /** TransactionResultMetaV1 { ext; result pair; feeProcessing; TxMeta V4; postTxApplyFeeProcessing }. */
  #writeResultMeta(
    prng: Prng,
    plan: TxPlan,
    context: { ledgerSeq: number; counts: { contract: number; txLevel: number; diagnostic: number } },
  ): void {
    const out = this.#out;
    const { ledgerSeq, counts } = context;
    out.u32(0); // ext
    out.fixed(plan.hash);
    this.#writeTxResult(prng, plan);
    out.u32(2); // feeProcessing
    const afterFee = plan.balance - plan.fee;
    writeAccountChangePair(out, { ledgerSeq, accountKey: plan.feeSourceKey, balanceBefore: plan.balance, balanceAfter: afterFee, seqNum: plan.seqNum });
    out.u32(TX_META_V4);
    out.u32(0); // TransactionMetaV4 ext
    out.u32(2); // txChangesBefore: the sequence-number bump
    writeAccountChangePair(out, { ledgerSeq, accountKey: plan.sourceKey, balanceBefore: afterFee, balanceAfter: afterFee, seqNum: plan.seqNum });
    counts.contract += this.#writeOperationMetas(prng, plan, ledgerSeq);
    out.u32(0); // txChangesAfter
    if (plan.soroban) {
      out.u32(1); // sorobanMeta present
      out.u32(0); // SorobanTransactionMetaExt v0
      out.u32(1); // returnValue present
      scU32(out, prng.below(1000));
    } else {
      out.u32(0);
    }
    counts.txLevel += this.#writeTxEvents(plan);
    out.u32(plan.diagnosticEventCount);
    for (let index = 0; index < plan.diagnosticEventCount; index++) {
      out.bool(!plan.failed); // inSuccessfulContractCall
      writeContractEvent(out, {
        contractId: plan.contractId,
        diagnostic: true,
        topicCount: 1,
        writeBody: () => {
          scSymbol(out, "fn_call");
          scU64(out, prng.nextU32());
        },
      });
    }
    counts.diagnostic += plan.diagnosticEventCount;
    if (plan.soroban) {
      out.u32(2); // postTxApplyFeeProcessing: the refund
      writeAccountChangePair(out, { ledgerSeq, accountKey: plan.feeSourceKey, balanceBefore: afterFee, balanceAfter: afterFee + plan.fee - plan.feeCharged, seqNum: plan.seqNum });
    } else {
      out.u32(0);
    }
  }

  /** TransactionResult; fee bumps wrap an InnerTransactionResultPair (the inner hash sits at result+12). */
  #writeTxResult(prng: Prng, plan: TxPlan): void {
    const out = this.#out;
    out.i64(plan.feeCharged);
    if (plan.feeBump) {
      assert(plan.innerHash !== undefined, "a fee bump has an inner hash");
      out.i32(plan.failed ? TX_FEE_BUMP_INNER_FAILED : TX_FEE_BUMP_INNER_SUCCESS);
      out.fixed(plan.innerHash);
      out.i64(plan.feeCharged); // inner feeCharged
      out.i32(plan.failed ? TX_FAILED : TX_SUCCESS);
      this.#writeOperationResults(prng, plan);
      out.u32(0); // InnerTransactionResult ext
    } else {
      out.i32(plan.failed ? TX_FAILED : TX_SUCCESS);
      this.#writeOperationResults(prng, plan);
    }
    out.u32(0); // TransactionResult ext
  }

  #writeOperationResults(prng: Prng, plan: TxPlan): void {
    const out = this.#out;
    if (plan.soroban) {
      out.u32(1);
      out.i32(OP_INNER);
      out.u32(OP_INVOKE_HOST_FUNCTION);
      if (plan.failed) {
        out.i32(INVOKE_TRAPPED);
      } else {
        out.i32(0); // INVOKE_HOST_FUNCTION_SUCCESS
        prng.fill(out.claim(32)); // hash of the return value and events
      }
      return;
    }
    out.u32(plan.payments.length);
    for (let opIndex = 0; opIndex < plan.payments.length; opIndex++) {
      out.i32(OP_INNER);
      out.u32(OP_PAYMENT);
      out.i32(plan.failed && opIndex === 0 ? PAYMENT_UNDERFUNDED : 0);
    }
  }

  /** OperationMetaV2 per operation (none for a failed tx); returns the contract events written. */
  #writeOperationMetas(prng: Prng, plan: TxPlan, ledgerSeq: number): number {
    const out = this.#out;
    if (plan.failed) {
      out.u32(0);
      return 0;
    }
    if (!plan.soroban) {
      out.u32(plan.payments.length);
      for (const payment of plan.payments) {
        out.u32(0); // ext
        out.u32(4);
        writeAccountChangePair(out, { ledgerSeq, accountKey: plan.sourceKey, balanceBefore: plan.balance, balanceAfter: plan.balance - payment.amount, seqNum: plan.seqNum });
        writeAccountChangePair(out, { ledgerSeq, accountKey: payment.destinationKey, balanceBefore: plan.balance, balanceAfter: plan.balance + payment.amount, seqNum: plan.seqNum });
        out.u32(1); // CAP-67 transfer event
        writeContractEvent(out, {
          contractId: this.#nativeContractId,
          topicCount: 4,
          writeBody: () => {
            scSymbol(out, "transfer");
            scAccountAddress(out, plan.sourceKey);
            scAccountAddress(out, payment.destinationKey);
            scString(out, ASSET_NAMES[0]);
            scI128(out, payment.amount);
          },
        });
      }
      return plan.payments.length;
    }
    out.u32(1);
    out.u32(0); // ext
    out.u32(plan.writes.length);
    for (const write of plan.writes) {
      out.u32(CHANGE_UPDATED);
      writeContractDataEntry(out, prng, { lastModifiedLedgerSeq: ledgerSeq, contractId: plan.contractId, keySymbol: write.keySymbol, valueBytes: write.valueBytes });
    }
    out.u32(plan.contractEventCount);
    for (let index = 0; index < plan.contractEventCount; index++) this.#writeSorobanEvent(prng, plan);
    return plan.contractEventCount;
  }

  /** A contract event with 0–4 topics from small pools, so terms repeat across events. */
  #writeSorobanEvent(prng: Prng, plan: TxPlan): void {
    const out = this.#out;
    const contractId = prng.chance(0.8) ? plan.contractId : this.#contracts[prng.skewed(CONTRACT_POOL_SIZE)]!;
    const topicCount = prng.below(5);
    writeContractEvent(out, {
      contractId,
      topicCount,
      writeBody: () => {
        for (let topic = 0; topic < topicCount; topic++) {
          const pick = topic === 0 ? 0 : prng.below(4);
          if (pick === 0) scSymbol(out, EVENT_SYMBOLS[prng.skewed(EVENT_SYMBOLS.length)]!);
          else if (pick === 1) scAccountAddress(out, this.#accounts[prng.skewed(ACCOUNT_POOL_SIZE)]!);
          else if (pick === 2) scContractAddress(out, this.#contracts[prng.skewed(CONTRACT_POOL_SIZE)]!);
          else scString(out, ASSET_NAMES[prng.below(ASSET_NAMES.length)]!);
        }
        scI128(out, prng.between(1, 1_000_000_000));
      },
    });
  }

  /** Tx-level events: the fee charge before all txs; Soroban refunds after the tx or after all txs. */
  #writeTxEvents(plan: TxPlan): number {
    const out = this.#out;
    const eventCount = plan.soroban ? 2 : 1;
    out.u32(eventCount);
    this.#writeFeeEvent(STAGE_BEFORE_ALL_TXS, plan.feeSourceKey, plan.fee);
    if (plan.soroban) this.#writeFeeEvent(plan.refundStage, plan.feeSourceKey, plan.feeCharged - plan.fee);
    return eventCount;
  }

  #writeFeeEvent(stage: number, feeSourceKey: Uint8Array, amount: number): void {
    const out = this.#out;
    out.u32(stage);
    writeContractEvent(out, {
      contractId: this.#nativeContractId,
      topicCount: 2,
      writeBody: () => {
        scSymbol(out, "fee");
        scAccountAddress(out, feeSourceKey);
        scI128(out, amount);
      },
    });
  }

  /** SHA-256(networkId ‖ envelope type ‖ signed tx bytes): the hash core puts in the result (§4). */
  #txHash(envelopeType: number, txBytes: Uint8Array): Uint8Array {
    const hasher = new Bun.CryptoHasher("sha256");
    hasher.update(this.#networkId);
    hasher.update(ENVELOPE_TYPE_BYTES[envelopeType === ENVELOPE_TYPE_TX ? 0 : 1]!);
    hasher.update(txBytes);
    return asBytes(hasher.digest());
  }
}

const EMPTY = new Uint8Array(0);
const ENVELOPE_TYPE_BYTES = [new Uint8Array([0, 0, 0, ENVELOPE_TYPE_TX]), new Uint8Array([0, 0, 0, ENVELOPE_TYPE_TX_FEE_BUMP])];

function planWrites(prng: Prng, profile: SynthProfile): { keySymbol: string; valueBytes: number }[] {
  const writes = [];
  const writeCount = prng.between(1, profile.sorobanWritesMax);
  for (let index = 0; index < writeCount; index++) {
    writes.push({ keySymbol: `Balance${prng.below(64)}`, valueBytes: prng.between(16, profile.sorobanValueBytesMax) });
  }
  return writes;
}

function randomKeys(prng: Prng, keyCount: number): Uint8Array[] {
  const keys = [];
  for (let index = 0; index < keyCount; index++) {
    const key = new Uint8Array(32);
    prng.fill(key);
    keys.push(key);
  }
  return keys;
}

function byHash(left: TxPlan, right: TxPlan): number {
  return Buffer.compare(left.hash, right.hash);
}

function sha256(bytes: Uint8Array): Uint8Array {
  return asBytes(Bun.SHA256.hash(bytes));
}

/** A plain Uint8Array over exactly the digest's bytes (Bun may hand out a slice of a pooled buffer). */
function asBytes(digest: NodeJS.TypedArray): Uint8Array {
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

function concat(left: Uint8Array, right: Uint8Array): Uint8Array {
  const joined = new Uint8Array(left.length + right.length);
  joined.set(left);
  joined.set(right, left.length);
  return joined;
}

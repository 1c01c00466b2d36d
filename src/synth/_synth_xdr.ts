/**
 * XDR pieces the synthetic ledger generator emits (folder-private), each written field by field in
 * the order of `Stellar-*.x` (curr, protocol 23+; checked by decoding with @stellar/stellar-base in
 * the tests). Only the arms we emit are here: this is not a general XDR library.
 * @module
 */

import { type Prng } from "./prng.ts";
import { type XdrWriter } from "./xdr_writer.ts";

// Discriminants (Stellar-types.x, Stellar-contract.x, Stellar-ledger-entries.x).
export const ENVELOPE_TYPE_TX = 2;
export const ENVELOPE_TYPE_TX_FEE_BUMP = 5;
export const OP_PAYMENT = 1;
export const OP_INVOKE_HOST_FUNCTION = 24;
const SCV_U32 = 3;
const SCV_U64 = 5;
const SCV_I128 = 10;
const SCV_BYTES = 13;
const SCV_STRING = 14;
const SCV_SYMBOL = 15;
const SCV_ADDRESS = 18;
const SC_ADDRESS_ACCOUNT = 0;
const SC_ADDRESS_CONTRACT = 1;
const KEY_TYPE_ED25519 = 0;
const LEDGER_ENTRY_ACCOUNT = 0;
const LEDGER_ENTRY_CONTRACT_DATA = 6;
export const CHANGE_CREATED = 0;
export const CHANGE_UPDATED = 1;
export const CHANGE_STATE = 3;
const DURABILITY_PERSISTENT = 1;
export const CONTRACT_EVENT_CONTRACT = 1;
const CONTRACT_EVENT_DIAGNOSTIC = 2;

/** `MuxedAccount` arm KEY_TYPE_ED25519, and `AccountID` (= PublicKey, same wire shape). */
export function writeAccount(writer: XdrWriter, accountKey: Uint8Array): void {
  writer.u32(KEY_TYPE_ED25519);
  writer.fixed(accountKey);
}

/** `ScAddress` of a contract: SC_ADDRESS_TYPE_CONTRACT then the 32-byte ContractID. */
export function writeContractAddress(writer: XdrWriter, contractId: Uint8Array): void {
  writer.u32(SC_ADDRESS_CONTRACT);
  writer.fixed(contractId);
}

export function scSymbol(writer: XdrWriter, symbol: string): void {
  writer.u32(SCV_SYMBOL);
  writer.string(symbol);
}

export function scString(writer: XdrWriter, text: string): void {
  writer.u32(SCV_STRING);
  writer.string(text);
}

export function scU32(writer: XdrWriter, value: number): void {
  writer.u32(SCV_U32);
  writer.u32(value);
}

export function scU64(writer: XdrWriter, value: number): void {
  writer.u32(SCV_U64);
  writer.u64(value);
}

/** An i128 from a safe integer: hi is the sign extension, lo the two's-complement low 64 bits. */
export function scI128(writer: XdrWriter, amount: number): void {
  writer.u32(SCV_I128);
  if (amount >= 0) {
    writer.i64(0);
    writer.u64(amount);
    return;
  }
  // lo = 2^64 − |amount|, written as two words because it is not a safe integer.
  const magnitude = -amount;
  writer.i64(-1);
  writer.u32(0xffff_ffff - Math.floor((magnitude - 1) / 2 ** 32));
  writer.u32((2 ** 32 - (magnitude % 2 ** 32)) % 2 ** 32);
}

export function scBytes(writer: XdrWriter, prng: Prng, byteCount: number): void {
  writer.u32(SCV_BYTES);
  writer.u32(byteCount);
  prng.fill(writer.claim(byteCount));
}

export function scAccountAddress(writer: XdrWriter, accountKey: Uint8Array): void {
  writer.u32(SCV_ADDRESS);
  writer.u32(SC_ADDRESS_ACCOUNT);
  writer.u32(KEY_TYPE_ED25519);
  writer.fixed(accountKey);
}

export function scContractAddress(writer: XdrWriter, contractId: Uint8Array): void {
  writer.u32(SCV_ADDRESS);
  writeContractAddress(writer, contractId);
}

/**
 * `ContractEvent { ExtensionPoint ext; ContractID* contractID; ContractEventType type;
 * union v0 { SCVal topics<>; SCVal data } }`; `writeTopicsAndData` writes the topics (after the
 * count it is given) and then the data value.
 */
export function writeContractEvent(
  writer: XdrWriter,
  options: { contractId: Uint8Array; diagnostic?: boolean; topicCount: number; writeBody: () => void },
): void {
  writer.u32(0); // ext
  writer.u32(1); // contractID present
  writer.fixed(options.contractId);
  writer.u32(options.diagnostic === true ? CONTRACT_EVENT_DIAGNOSTIC : CONTRACT_EVENT_CONTRACT);
  writer.u32(0); // body v0
  writer.u32(options.topicCount);
  options.writeBody();
}

/** `LedgerEntry` of an AccountEntry with no signers, sub-entries or extension. */
export function writeAccountEntry(
  writer: XdrWriter,
  entry: { lastModifiedLedgerSeq: number; accountKey: Uint8Array; balance: number; seqNum: number },
): void {
  writer.u32(entry.lastModifiedLedgerSeq);
  writer.u32(LEDGER_ENTRY_ACCOUNT);
  writeAccount(writer, entry.accountKey); // accountID
  writer.i64(entry.balance);
  writer.i64(entry.seqNum);
  writer.u32(0); // numSubEntries
  writer.u32(0); // inflationDest absent
  writer.u32(0); // flags
  writer.string(""); // homeDomain
  writer.fixed(THRESHOLDS);
  writer.u32(0); // signers
  writer.u32(0); // AccountEntry ext
  writer.u32(0); // LedgerEntry ext
}

const THRESHOLDS = new Uint8Array([1, 0, 0, 0]);

/** A STATE + UPDATED pair for one account (how core reports a balance or sequence change). */
export function writeAccountChangePair(
  writer: XdrWriter,
  options: { ledgerSeq: number; accountKey: Uint8Array; balanceBefore: number; balanceAfter: number; seqNum: number },
): void {
  writer.u32(CHANGE_STATE);
  writeAccountEntry(writer, {
    lastModifiedLedgerSeq: options.ledgerSeq - 1,
    accountKey: options.accountKey,
    balance: options.balanceBefore,
    seqNum: options.seqNum,
  });
  writer.u32(CHANGE_UPDATED);
  writeAccountEntry(writer, {
    lastModifiedLedgerSeq: options.ledgerSeq,
    accountKey: options.accountKey,
    balance: options.balanceAfter,
    seqNum: options.seqNum,
  });
}

/** `LedgerKey` CONTRACT_DATA { ScAddress contract; SCVal key; durability }. */
export function writeContractDataKey(writer: XdrWriter, contractId: Uint8Array, keySymbol: string): void {
  writer.u32(LEDGER_ENTRY_CONTRACT_DATA);
  writeContractAddress(writer, contractId);
  scSymbol(writer, keySymbol);
  writer.u32(DURABILITY_PERSISTENT);
}

/** `LedgerEntry` CONTRACT_DATA holding `valueBytes` random bytes (the bulk of a dense ledger). */
export function writeContractDataEntry(
  writer: XdrWriter,
  prng: Prng,
  entry: { lastModifiedLedgerSeq: number; contractId: Uint8Array; keySymbol: string; valueBytes: number },
): void {
  writer.u32(entry.lastModifiedLedgerSeq);
  writer.u32(LEDGER_ENTRY_CONTRACT_DATA);
  writer.u32(0); // ContractDataEntry ext
  writeContractAddress(writer, entry.contractId);
  scSymbol(writer, entry.keySymbol);
  writer.u32(DURABILITY_PERSISTENT);
  scBytes(writer, prng, entry.valueBytes);
  writer.u32(0); // LedgerEntry ext
}

/** `DecoratedSignature { opaque hint[4]; opaque signature<64> }` of random bytes. */
export function writeSignature(writer: XdrWriter, prng: Prng): void {
  prng.fill(writer.claim(4));
  writer.u32(64);
  prng.fill(writer.claim(64));
}

/**
 * `fullhistory get-tx HASH --config FILE`: one transaction by its outer hash or, for a fee bump,
 * its inner hash (D8), as one JSON line (field names follow stellar-rpc's getTransaction):
 *
 *   {"txHash":"…","ledger":50123,"createdAt":1700250615,"applicationOrder":3,"feeBump":true,
 *    "innerTxHash":"…","matchedInnerHash":true,"status":"SUCCESS","envelopeXdr":"…",
 *    "resultXdr":"…","resultMetaXdr":"…"}
 *
 * `txHash` is always the outer hash. Retained history is searched (reference §6): the `ready` hot
 * DBs (the live chunk, as of this command's open) and the frozen `.idx` coverages, cold winning
 * where it covers. Not found is an expected outcome: one line on stderr naming the retained range,
 * exit 1. A corrupt or missing frozen file or hot DB is reported naming it, never served. The
 * catalog and hot DBs are opened read-only: it runs beside the daemon.
 * @module
 */

import { UsageError } from "../errors.ts";
import { type FoundTransaction, findTransaction, TX_HASH_BYTES } from "../read/find_transaction.ts";
import { NotFoundError } from "../read/not_found_error.ts";
import { describeRetainedRange } from "../read/retained_range.ts";
import { networkIdOf } from "../xdr/network_id.ts";
import { onePositional, splitCommandArgs } from "./_command_args.ts";
import { withStoreReads } from "./_open_read_only.ts";
import type { Command } from "./commands.ts";

const TX_HASH_HEX_RE = /^[0-9a-fA-F]{64}$/;

export const GET_TX_COMMAND: Command = {
  name: "get-tx",
  summary: "Print a transaction (by outer or fee-bump inner hash) as JSON",
  usage: [
    "fullhistory get-tx HASH --config FILE [--section.key=VALUE ...]",
    "  HASH: the transaction's 64-hex-digit hash; a fee bump is found by its outer or its inner hash.",
    "  Prints one JSON line: txHash, ledger, createdAt, applicationOrder, feeBump, innerTxHash,",
    "  matchedInnerHash, status, envelopeXdr, resultXdr, resultMetaXdr (base64 XDR).",
    "  Exit 0 when found, 1 when not in the retained history (one line on stderr), 2 on a bad HASH.",
  ].join("\n"),
  async run(argv) {
    const args = splitCommandArgs(argv, { switches: [], valueFlags: [] });
    const txHash = parseTxHash(onePositional(args, { command: "get-tx", name: "HASH" }));
    return withStoreReads(args.configArgv, ({ config, tiers, retained }) => {
      const networkId = networkIdOf(config.ingestion.networkPassphrase);
      const found = findTransaction(tiers, txHash, { floor: retained, networkId });
      if (found === undefined) {
        const hex = Buffer.from(txHash).toString("hex");
        throw new NotFoundError(`Transaction ${hex} not found in retained history ${describeRetainedRange(retained)}`);
      }
      process.stdout.write(`${JSON.stringify(transactionJson(found))}\n`);
      return 0;
    });
  },
};

function parseTxHash(text: string): Uint8Array {
  if (!TX_HASH_HEX_RE.test(text)) {
    throw new UsageError(`Invalid transaction hash "${text}": want ${TX_HASH_BYTES * 2} hex digits`);
  }
  return new Uint8Array(Buffer.from(text, "hex"));
}

function transactionJson(found: FoundTransaction): Record<string, unknown> {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return {
    txHash: hex(found.txHash),
    ledger: found.ledgerSeq,
    createdAt: found.closeTimeSec,
    applicationOrder: found.applicationOrder,
    feeBump: found.feeBump,
    innerTxHash: found.innerTxHash === undefined ? null : hex(found.innerTxHash),
    matchedInnerHash: found.matchedInnerHash,
    status: found.successful ? "SUCCESS" : "FAILED",
    envelopeXdr: base64(found.envelopeXdr),
    resultXdr: base64(found.resultXdr),
    resultMetaXdr: base64(found.resultMetaXdr),
  };
}

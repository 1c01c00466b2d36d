/**
 * `ledgerEventInputs(view)`: a walked ledger's contract events as the events stores take them
 * (reference §8.5, §9.3; D7): payload fields plus term keys, in emission order. The hot DB's
 * `events_data` values and the cold `-events.pack` items are both `encodeEventPayload` of these,
 * so a chunk frozen from its hot DB and one built from the lake hold the same bytes; both paths
 * should call this one function.
 *
 * Terms (reference §8.5): the contract id (field 0) when the event has one, and topics 0..3
 * (fields 1..4, value = the topic's raw ScVal XDR). The walker already keeps only topics 0..3.
 *
 * Per-event path of a dense chunk (~1M events, ~3M terms): term keys are hashed straight from the
 * ledger buffer (`termKeyIn`, no view per value), and the events of one transaction share one view
 * of its hash; a typed-array view costs ~60 ns in Bun, several times a term's hash (docs/formats.md).
 * @module
 */

import { assert } from "../assert.ts";
import { type EventInput } from "../formats/events_segment_writer.ts";
import { TERM_FIELD_CONTRACT_ID, termKeyIn, topicTermField } from "../formats/event_terms.ts";
import { type ContractEventView, type LedgerView } from "../xdr/walk_ledger.ts";

const HASH_BYTES = 32;

/** The events of `view` in emission order; byte fields are views into `view.bytes` (no copies). */
export function ledgerEventInputs(view: LedgerView): EventInput[] {
  const bytes = view.bytes;
  const inputs: EventInput[] = [];
  // Events come grouped by transaction, so the previous event's hash view is usually this one's.
  let txIndexOfHash = -1;
  let txHash = bytes.subarray(0, 0);
  for (const event of view.events) {
    if (event.txIndex !== txIndexOfHash) {
      const tx = view.transactions[event.txIndex];
      assert(tx !== undefined, "walkLedger returned an event of a transaction it did not return"); // constant: per-event path
      txIndexOfHash = event.txIndex;
      txHash = bytes.subarray(tx.hashOffset, tx.hashOffset + HASH_BYTES);
    }
    inputs.push({
      txHash,
      txIdx: event.txIdx,
      opIdx: event.opIdx,
      eventIdx: event.eventIdx,
      ledgerClosedAt: view.closeTimeSec,
      contractEvent: bytes.subarray(event.byteOffset, event.byteOffset + event.byteLength),
      termKeys: eventTermKeys(bytes, event),
    });
  }
  return inputs;
}

/** The contract-id term first (when present), then one term per topic 0..3. */
function eventTermKeys(bytes: Uint8Array, event: ContractEventView): Uint8Array[] {
  const termKeys: Uint8Array[] = [];
  if (event.contractIdOffset !== undefined) {
    termKeys.push(termKeyIn(bytes, { field: TERM_FIELD_CONTRACT_ID, byteOffset: event.contractIdOffset, byteLength: HASH_BYTES }));
  }
  for (let topicIndex = 0; topicIndex < event.topics.length; topicIndex++) {
    const topic = event.topics[topicIndex]!;
    termKeys.push(termKeyIn(bytes, { field: topicTermField(topicIndex), byteOffset: topic.byteOffset, byteLength: topic.byteLength }));
  }
  return termKeys;
}

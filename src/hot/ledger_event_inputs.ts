/**
 * `ledgerEventInputs(view)`: a walked ledger's contract events as the events stores take them
 * (reference §8.5, §9.3; D7): payload fields plus term keys, in emission order. The hot DB's
 * `events_data` values and the cold `-events.pack` items are both `encodeEventPayload` of these,
 * so a chunk frozen from its hot DB and one built from the lake hold the same bytes; both paths
 * should call this one function.
 *
 * Terms (reference §8.5): the contract id (field 0) when the event has one, and topics 0..3
 * (fields 1..4, value = the topic's raw ScVal XDR). The walker already keeps only topics 0..3.
 * @module
 */

import { assert } from "../assert.ts";
import { type EventInput } from "../formats/events_segment_writer.ts";
import { TERM_FIELD_CONTRACT_ID, termKey, topicTermField } from "../formats/event_terms.ts";
import { type LedgerView, sliceRange } from "../xdr/walk_ledger.ts";

const HASH_BYTES = 32;

/** The events of `view` in emission order; byte fields are views into `view.bytes` (no copies). */
export function ledgerEventInputs(view: LedgerView): EventInput[] {
  const bytes = view.bytes;
  return view.events.map((event) => {
    const tx = view.transactions[event.txIndex];
    assert(tx !== undefined, "walkLedger returned an event of a transaction it did not return"); // constant: per-event path
    const termKeys: Uint8Array[] = [];
    if (event.contractIdOffset !== undefined) {
      termKeys.push(termKey(TERM_FIELD_CONTRACT_ID, bytes.subarray(event.contractIdOffset, event.contractIdOffset + HASH_BYTES)));
    }
    event.topics.forEach((topic, topicIndex) => termKeys.push(termKey(topicTermField(topicIndex), sliceRange(bytes, topic))));
    return {
      txHash: bytes.subarray(tx.hashOffset, tx.hashOffset + HASH_BYTES),
      txIdx: event.txIdx,
      opIdx: event.opIdx,
      eventIdx: event.eventIdx,
      ledgerClosedAt: view.closeTimeSec,
      contractEvent: bytes.subarray(event.byteOffset, event.byteOffset + event.byteLength),
      termKeys,
    };
  });
}

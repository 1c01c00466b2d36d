import { expect, test } from "bun:test";
import { TERM_FIELD_CONTRACT_ID, termKey, topicTermField } from "../formats/event_terms.ts";
import { type ChunkId } from "../geometry/chunk.ts";
import { sliceRange, walkLedger } from "../xdr/walk_ledger.ts";
import { expectedFixture, fixtureLedgers } from "../../test/support/fixtures.ts";
import { synthLedgers } from "./_hot_test_support.ts";
import { ledgerEventInputs } from "./ledger_event_inputs.ts";

test("ledgerEventInputs() gives one input per walked event with the outer tx hash, cursor fields and close time", () => {
  for (const ledger of synthLedgers({ chunkId: 0 as ChunkId, count: 15, profile: "mixed", seed: 5 })) {
    const view = walkLedger(ledger.lcm);
    const inputs = ledgerEventInputs(view);
    expect(inputs.length).toBe(view.events.length);
    inputs.forEach((input, index) => {
      const event = view.events[index]!;
      const tx = view.transactions[event.txIndex]!;
      expect(input.txHash).toEqual(ledger.lcm.subarray(tx.hashOffset, tx.hashOffset + 32));
      expect([input.txIdx, input.opIdx, input.eventIdx]).toEqual([event.txIdx, event.opIdx, event.eventIdx]);
      expect(input.ledgerClosedAt).toBe(ledger.summary!.closeTime);
      expect(input.contractEvent).toEqual(sliceRange(ledger.lcm, event));
    });
  }
});

test("ledgerEventInputs() derives the contract-id term first, then one term per topic 0..3", () => {
  const lcm = fixtureLedgers(expectedFixture("synthetic-v23-standalone"))[1]!;
  const view = walkLedger(lcm);
  const inputs = ledgerEventInputs(view);
  expect(inputs.length).toBe(1000);
  inputs.forEach((input, index) => {
    const event = view.events[index]!;
    const expected: Uint8Array[] = [];
    if (event.contractIdOffset !== undefined) {
      expected.push(termKey(TERM_FIELD_CONTRACT_ID, lcm.subarray(event.contractIdOffset, event.contractIdOffset + 32)));
    }
    event.topics.forEach((topic, topicIndex) => expected.push(termKey(topicTermField(topicIndex), sliceRange(lcm, topic))));
    expect(input.termKeys).toEqual(expected);
    expect(input.termKeys.length).toBeGreaterThanOrEqual(2);
    expect(input.termKeys.length).toBeLessThanOrEqual(5);
  });
});

test("ledgerEventInputs() of a ledger without transactions is empty", () => {
  const lcm = fixtureLedgers(expectedFixture("synthetic-v23-standalone"))[0]!;
  expect(ledgerEventInputs(walkLedger(lcm))).toEqual([]);
});

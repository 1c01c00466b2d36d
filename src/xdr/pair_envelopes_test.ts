import { describe, expect, test } from "bun:test";
import { expectedFixture, fixtureLedgers } from "../../test/support/fixtures.ts";
import { networkIdOf } from "./network_id.ts";
import { EnvelopePairingError, pairEnvelopes } from "./pair_envelopes.ts";
import { walkLedger } from "./walk_ledger.ts";

const ENVELOPE_TYPE_TX_V0 = 0;
const ENVELOPE_TYPE_TX_FEE_BUMP = 5;

function fixtureOf(name: string): { ledgers: Uint8Array[]; networkId: Uint8Array } {
  const fixture = expectedFixture(name);
  return { ledgers: fixtureLedgers(fixture).map((ledger) => new Uint8Array(ledger)), networkId: networkIdOf(fixture.networkPassphrase) };
}

function envelopeType(bytes: Uint8Array, byteOffset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(byteOffset);
}

describe("pairEnvelopes()", () => {
  test("pairs legacy ENVELOPE_TYPE_TX_V0 envelopes (the V0 byte trick, lake-and-xdr §4)", () => {
    const { ledgers, networkId } = fixtureOf("pubnet-ttp-5-ledgers");
    let v0Envelopes = 0;
    for (const bytes of ledgers) {
      for (const envelope of pairEnvelopes(walkLedger(bytes), networkId)) {
        if (envelopeType(bytes, envelope.byteOffset) === ENVELOPE_TYPE_TX_V0) v0Envelopes++;
      }
    }
    expect(v0Envelopes).toBe(21);
  });

  test("returns envelopes in apply order although the parallel tx set holds them in another", () => {
    const { ledgers, networkId } = fixtureOf("synthetic-v25");
    const view = walkLedger(ledgers[0]!);
    const offsets = pairEnvelopes(view, networkId).map((envelope) => envelope.byteOffset);
    expect(offsets).toHaveLength(view.transactions.length);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(offsets).not.toEqual(offsets.toSorted((a, b) => a - b));
  });

  test("pairs a fee bump by its outer hash and checks its inner hash", () => {
    const { ledgers, networkId } = fixtureOf("testnet-848582-v2");
    const view = walkLedger(ledgers[0]!);
    const [envelope] = pairEnvelopes(view, networkId);
    expect(envelopeType(view.bytes, envelope!.byteOffset)).toBe(ENVELOPE_TYPE_TX_FEE_BUMP);
  });

  test("rejects the wrong network passphrase, naming the ledger", () => {
    const { ledgers } = fixtureOf("testnet-848581-v2");
    const view = walkLedger(ledgers[0]!);
    const wrong = networkIdOf("Public Global Stellar Network ; September 2015");
    expect(() => pairEnvelopes(view, wrong)).toThrow(EnvelopePairingError);
    expect(() => pairEnvelopes(view, wrong)).toThrow(
      /^Cannot pair transaction envelopes with results in ledger 848581: the envelope at byte offset \d+ hashes to [0-9a-f]{64}, which no result carries; check the configured network passphrase/,
    );
  });

  test("rejects a result whose hash no envelope has", () => {
    const { ledgers, networkId } = fixtureOf("testnet-997");
    const bytes = ledgers[0]!;
    bytes[walkLedger(bytes).transactions[0]!.hashOffset]! ^= 0xff;
    expect(() => pairEnvelopes(walkLedger(bytes), networkId)).toThrow("which no result carries");
  });

  test("rejects two results carrying the same hash", () => {
    const { ledgers, networkId } = fixtureOf("testnet-997");
    const bytes = ledgers[0]!;
    const [first, second] = walkLedger(bytes).transactions;
    bytes.copyWithin(second!.hashOffset, first!.hashOffset, first!.hashOffset + 32);
    expect(() => pairEnvelopes(walkLedger(bytes), networkId)).toThrow("two transaction results carry the same hash");
  });

  test("rejects a fee bump whose result names another inner hash", () => {
    const { ledgers, networkId } = fixtureOf("testnet-848581-v2");
    const bytes = ledgers[0]!;
    const innerHashOffset = walkLedger(bytes).transactions.find((tx) => tx.innerHashOffset !== undefined)!.innerHashOffset!;
    bytes[innerHashOffset]! ^= 0x01;
    expect(() => pairEnvelopes(walkLedger(bytes), networkId)).toThrow("fee bump's inner transaction hashes to");
  });
});

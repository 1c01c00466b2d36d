import { expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { termKey, topicTermField } from "./event_terms.ts";
import { decodePostingList } from "./posting_list.ts";
import { compareTermKeys, termKeyAt } from "./term_dictionary.ts";
import { TermPostingsBuilder } from "./_term_postings.ts";

const key = (n: number) => termKey(topicTermField(0), new Uint8Array([n & 255, n >> 8]));

function postingsOf(builder: TermPostingsBuilder): Map<string, number[]> {
  const built = builder.build();
  const lists = new Map<string, number[]>();
  let start = 0;
  built.postingEnds.forEach((end, rank) => {
    const ids = decodePostingList(built.postings.subarray(start, end), {
      path: "mem", termRank: rank, eventCount: builder.eventCount, fromEventId: 0, endEventId: builder.eventCount,
    });
    lists.set(Buffer.from(built.sortedKeys.subarray(rank * 16, rank * 16 + 16)).toString("hex"), Array.from(ids));
    start = end;
  });
  return lists;
}

test("build() returns each term's events in id order, keyed by its sorted position", () => {
  const builder = new TermPostingsBuilder();
  builder.addEvent([key(1), key(2)]); // event 0
  builder.addEvent([]); // event 1
  builder.addEvent([key(2)]); // event 2
  builder.addEvent([key(3), key(1)]); // event 3
  const lists = postingsOf(builder);
  expect(lists.get(Buffer.from(key(1)).toString("hex"))).toEqual([0, 3]);
  expect(lists.get(Buffer.from(key(2)).toString("hex"))).toEqual([0, 2]);
  expect(lists.get(Buffer.from(key(3)).toString("hex"))).toEqual([3]);
  expect(lists.size).toBe(3);
});

test("build() sorts many terms strictly ascending, through hash-table growth", () => {
  const builder = new TermPostingsBuilder();
  for (let event = 0; event < 20_000; event++) builder.addEvent([key(event % 7000), key(60_000 + (event % 3))]);
  expect(builder.termCount).toBe(7003);
  const built = builder.build();
  for (let rank = 1; rank < builder.termCount; rank++) {
    expect(compareTermKeys(termKeyAt(built.sortedKeys, rank - 1), termKeyAt(built.sortedKeys, rank))).toBeLessThan(0);
  }
  expect(built.postingEnds.length).toBe(7003);
});

test("addEvent() counts a key repeated within one event once", () => {
  const builder = new TermPostingsBuilder();
  builder.addEvent([key(9), key(9)]);
  builder.addEvent([key(9)]);
  expect(postingsOf(builder).get(Buffer.from(key(9)).toString("hex"))).toEqual([0, 1]);
});

test("addEvent() refuses more than 5 terms and a key that is not 16 bytes", () => {
  const builder = new TermPostingsBuilder();
  expect(() => builder.addEvent([key(1), key(2), key(3), key(4), key(5), key(6)])).toThrow(InvariantError);
  expect(() => builder.addEvent([new Uint8Array(15)])).toThrow(InvariantError);
});

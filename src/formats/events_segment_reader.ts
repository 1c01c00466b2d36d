/**
 * Reads one events segment (three files, `events_segment.ts`; reference §8.5, D7).
 *
 * Open validates each file and then their agreement, so a mix of files from different builds is
 * never served: LedgerOffsets start and length = the caller's chunk; its total = the events pack's
 * item count = the dictionary's event count; the dictionary's LedgerOffsets CRC = the events pack's
 * appData; the dictionary's term count = the index pack's item count.
 *
 * Queries: ledgers [a, b] → event ids via LedgerOffsets (memory); a term → its rank (one 4 KiB
 * dictionary block read) → its posting list (one index-pack record read), optionally clipped to an
 * id range; payloads by id range or id list (coalesced events-pack reads). Each payload's ledger
 * sequence is checked against the ledger LedgerOffsets assigns its id.
 * @module
 */

import { assert } from "../assert.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { crc32c } from "./crc32c.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";
import { decodeEventPayload, type EventPayload } from "./event_payload.ts";
import { EVENTS_PACK_LAYOUT, type EventsSegmentPaths, TERM_INDEX_PACK_LAYOUT } from "./events_segment.ts";
import {
  decodeLedgerOffsets,
  type EventIdRange,
  eventIdRangeOfLedgers,
  type LedgerOffsets,
  totalEventCount,
} from "./ledger_offsets.ts";
import { openPackfile, type PackfileReader } from "./packfile_reader.ts";
import { hex32 } from "./packfile_trailer.ts";
import { decodePostingList } from "./posting_list.ts";
import { openTermDictionary, type TermDictionaryReader } from "./term_dictionary_reader.ts";

/** The ledgers a segment must cover: its chunk's. */
export interface EventsSegmentExpectation {
  firstLedgerSeq: LedgerSeq;
  ledgerCount: number;
}

/** One event read back: its chunk-relative id and payload. */
export interface SegmentEvent {
  eventId: number;
  payload: EventPayload;
}

/** Options of `eventsInLedgers`. */
export interface EventsQuery {
  /** Keep only events carrying at least one of these term keys (OR). Absent: every event. */
  terms?: readonly Uint8Array[];
  /** Return at most this many events (the first ones by id). */
  limit?: number;
}

/** Opens and cross-validates the three files; throws `CorruptFileError` if anything disagrees. */
export function openEventsSegment(paths: EventsSegmentPaths, expected: EventsSegmentExpectation): EventsSegmentReader {
  const opened: { close(): void }[] = [];
  try {
    const eventsPack = openPackfile(paths.eventsPack, EVENTS_PACK_LAYOUT);
    opened.push(eventsPack);
    const indexPack = openPackfile(paths.indexPack, TERM_INDEX_PACK_LAYOUT);
    opened.push(indexPack);
    const dictionary = openTermDictionary(paths.indexHash);
    opened.push(dictionary);
    const offsets = decodeLedgerOffsets(eventsPack.appData, paths.eventsPack);
    checkAgreement({ paths, expected, eventsPack, indexPack, dictionary, offsets });
    return new EventsSegmentReader({ paths, eventsPack, indexPack, dictionary, offsets });
  } catch (err) {
    for (const file of opened) file.close();
    throw err;
  }
}

function checkAgreement(parts: {
  paths: EventsSegmentPaths;
  expected: EventsSegmentExpectation;
  eventsPack: PackfileReader;
  indexPack: PackfileReader;
  dictionary: TermDictionaryReader;
  offsets: LedgerOffsets;
}): void {
  const { paths, expected, eventsPack, indexPack, dictionary, offsets } = parts;
  const ledgerCount = offsets.cumulativeEventCounts.length;
  if (offsets.startLedgerSeq !== expected.firstLedgerSeq || ledgerCount !== expected.ledgerCount) {
    throw new CorruptFileError(
      paths.eventsPack,
      `covers ${ledgerCount} ledgers from ${offsets.startLedgerSeq}, want ${expected.ledgerCount} from ${expected.firstLedgerSeq}`,
    );
  }
  const eventCount = totalEventCount(offsets);
  if (eventCount !== eventsPack.itemCount) {
    throw new CorruptFileError(paths.eventsPack, `ledger offsets count ${eventCount} events, the pack holds ${eventsPack.itemCount}`);
  }
  const footer = dictionary.footer;
  if (footer.eventCount !== eventCount) {
    throw new CorruptFileError(paths.indexHash, `indexes ${footer.eventCount} events, "${paths.eventsPack}" holds ${eventCount}`);
  }
  const offsetsCrc = crc32c(eventsPack.appData);
  if (footer.ledgerOffsetsCrc !== offsetsCrc) {
    throw new CorruptFileError(
      paths.eventsPack,
      `ledger offsets (appData) CRC32C ${hex32(offsetsCrc)}, "${paths.indexHash}" recorded ${hex32(footer.ledgerOffsetsCrc)}`,
    );
  }
  if (footer.termCount !== indexPack.itemCount) {
    throw new CorruptFileError(paths.indexPack, `holds ${indexPack.itemCount} posting lists, "${paths.indexHash}" has ${footer.termCount} terms`);
  }
}

/** An open, validated events segment. */
export class EventsSegmentReader {
  readonly paths: EventsSegmentPaths;
  readonly #eventsPack: PackfileReader;
  readonly #indexPack: PackfileReader;
  readonly #dictionary: TermDictionaryReader;
  readonly #offsets: LedgerOffsets;

  /** Use `openEventsSegment`. */
  constructor(parts: {
    paths: EventsSegmentPaths;
    eventsPack: PackfileReader;
    indexPack: PackfileReader;
    dictionary: TermDictionaryReader;
    offsets: LedgerOffsets;
  }) {
    this.paths = parts.paths;
    this.#eventsPack = parts.eventsPack;
    this.#indexPack = parts.indexPack;
    this.#dictionary = parts.dictionary;
    this.#offsets = parts.offsets;
  }

  get firstLedgerSeq(): LedgerSeq {
    return this.#offsets.startLedgerSeq;
  }

  get lastLedgerSeq(): LedgerSeq {
    return (this.#offsets.startLedgerSeq + this.#offsets.cumulativeEventCounts.length - 1) as LedgerSeq;
  }

  get eventCount(): number {
    return this.#eventsPack.itemCount;
  }

  get termCount(): number {
    return this.#dictionary.termCount;
  }

  /** Event ids of ledgers fromSeq..toSeq, clipped to this segment (empty when disjoint). */
  eventIdRange(fromSeq: LedgerSeq, toSeq: LedgerSeq): EventIdRange {
    assert(fromSeq <= toSeq, `ledger range [${fromSeq}, ${toSeq}] is reversed`);
    const from = Math.max(fromSeq, this.firstLedgerSeq) as LedgerSeq;
    const to = Math.min(toSeq, this.lastLedgerSeq) as LedgerSeq;
    if (from > to) return { fromEventId: 0, endEventId: 0 };
    return eventIdRangeOfLedgers(this.#offsets, { fromSeq: from, toSeq: to });
  }

  /** Ascending ids of the events carrying `term`, within `range` (default: all). Empty on a miss. */
  termIds(term: Uint8Array, range: EventIdRange = { fromEventId: 0, endEventId: this.eventCount }): Uint32Array {
    const rank = this.#dictionary.rankOf(term);
    if (rank === undefined || range.fromEventId >= range.endEventId) return new Uint32Array(0);
    return decodePostingList(this.#indexPack.readItem(rank), {
      path: this.paths.indexPack,
      termRank: rank,
      eventCount: this.eventCount,
      fromEventId: range.fromEventId,
      endEventId: range.endEventId,
    });
  }

  /** Decoded events of ledgers fromSeq..toSeq (clipped to the segment), in id order. */
  eventsInLedgers(fromSeq: LedgerSeq, toSeq: LedgerSeq, query: EventsQuery = {}): SegmentEvent[] {
    const limit = query.limit ?? this.eventCount;
    assert(Number.isInteger(limit), `limit ${limit} is not an integer`);
    assert(limit >= 0, `limit ${limit} is negative`);
    const range = this.eventIdRange(fromSeq, toSeq);
    if (query.terms === undefined) {
      const endEventId = Math.min(range.endEventId, range.fromEventId + limit);
      const events: SegmentEvent[] = [];
      let eventId = range.fromEventId;
      for (const bytes of this.#eventsPack.items(range.fromEventId, endEventId)) events.push(this.#decode(eventId++, bytes));
      return events;
    }
    const ids = unionOf(query.terms.map((term) => this.termIds(term, range))).subarray(0, limit);
    const events: SegmentEvent[] = [];
    let index = 0;
    for (const bytes of this.#eventsPack.itemsAt(ids)) events.push(this.#decode(ids[index++]!, bytes));
    return events;
  }

  /**
   * Reads every record of the three files once and checks it (audit, D15): each event payload
   * (decoded; its ledger checked against LedgerOffsets), each posting list, each dictionary block.
   * Streams through coalesced reads; throws `CorruptFileError` at the first bad record.
   */
  checkAllRecords(): void {
    let eventId = 0;
    for (const bytes of this.#eventsPack.items(0, this.eventCount)) this.#decode(eventId++, bytes);
    const eventCount = this.eventCount;
    let termRank = 0;
    for (const bytes of this.#indexPack.items(0, this.#indexPack.itemCount)) {
      decodePostingList(bytes, { path: this.paths.indexPack, termRank: termRank++, eventCount, fromEventId: 0, endEventId: eventCount });
    }
    this.#dictionary.checkAllBlocks();
  }

  close(): void {
    this.#eventsPack.close();
    this.#indexPack.close();
    this.#dictionary.close();
  }

  #decode(eventId: number, bytes: Uint8Array): SegmentEvent {
    const payload = decodeEventPayload(bytes, { path: this.paths.eventsPack, eventId });
    const ledgerSeq = this.#ledgerOfEvent(eventId);
    if (payload.ledgerSeq !== ledgerSeq) {
      throw new CorruptFileError(
        this.paths.eventsPack,
        `event ${eventId} payload says ledger ${payload.ledgerSeq}, ledger offsets place it in ledger ${ledgerSeq}`,
      );
    }
    return { eventId, payload };
  }

  /** The ledger holding `eventId`: the first whose cumulative count exceeds it (binary search). */
  #ledgerOfEvent(eventId: number): LedgerSeq {
    const counts = this.#offsets.cumulativeEventCounts;
    let low = 0;
    let high = counts.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (counts[middle]! > eventId) high = middle;
      else low = middle + 1;
    }
    return (this.#offsets.startLedgerSeq + low) as LedgerSeq;
  }
}

/** Sorted union of ascending id lists. */
function unionOf(lists: Uint32Array[]): Uint32Array {
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const list of lists) total += list.length;
  const merged = new Uint32Array(total);
  let offset = 0;
  for (const list of lists) {
    merged.set(list, offset);
    offset += list.length;
  }
  merged.sort();
  let unique = 0;
  for (let i = 0; i < merged.length; i++) if (i === 0 || merged[i] !== merged[unique - 1]) merged[unique++] = merged[i]!;
  return merged.subarray(0, unique);
}

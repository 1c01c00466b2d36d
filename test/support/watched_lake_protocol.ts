/**
 * The messages between `WatchedLake` (`ingestion_fixture.ts`, the test's thread) and the watched
 * ingest Worker (`watched_ingest_worker.ts`), on a BroadcastChannel named after the lake directory.
 * A module of its own so the Worker loads only this, not the fixture's RocksDB and catalog.
 * @module
 */

import { type LakeSourceOptions } from "../../src/lake/open_lake_source.ts";

/** What the watched Worker posts: `hello` once it opens the lake, then one `asked` per `ledger()` call. */
export type FromWatchedLake = { kind: "hello" } | { kind: "asked"; ledgerSeq: number; missing: boolean };

/** The answer to `hello`: the ledgers whose bytes the Worker hands out instead of the lake's. */
export type ToWatchedLake = { kind: "config"; replaced: Array<[number, Uint8Array]> };

/** One channel per lake directory: each test has its own, so watchers of earlier tests stay silent. */
export function watchedLakeChannelName(lake: LakeSourceOptions): string {
  return `fullhistory-test-watched-lake:${lake.params["destination_path"]}`;
}

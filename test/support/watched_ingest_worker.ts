/**
 * The ingest Worker with its lake watched (`WatchedLake` in `ingestion_fixture.ts`): the real
 * Worker loop over the real lake, except that every `ledger()` call is reported on the lake's
 * BroadcastChannel, and ledgers the test chose are handed out with the test's bytes. The Worker
 * asks for that choice (`hello`) before it reads any ledger.
 * @module
 */

import { serveIngestWorker } from "../../src/daemon/_ingest_worker_loop.ts";
import { type LedgerSeq } from "../../src/geometry/chunk.ts";
import { type LedgerRange, type LedgerSource, type SourceCallOptions } from "../../src/lake/ledger_source.ts";
import { type LakeSourceOptions, openLakeSource } from "../../src/lake/open_lake_source.ts";
import { type FromWatchedLake, type ToWatchedLake, watchedLakeChannelName } from "./watched_lake_protocol.ts";

declare const self: Worker;

serveIngestWorker(self, { openSource: openWatchedSource });

async function openWatchedSource(options: LakeSourceOptions): Promise<LedgerSource> {
  const channel = new BroadcastChannel(watchedLakeChannelName(options));
  const configured = Promise.withResolvers<ToWatchedLake>();
  channel.onmessage = (event): void => {
    const config: ToWatchedLake = event.data;
    configured.resolve(config);
  };
  const hello: FromWatchedLake = { kind: "hello" };
  channel.postMessage(hello);
  const config = await configured.promise;
  return new WatchingSource(await openLakeSource(options), { channel, replaced: new Map(config.replaced) });
}

/** The lake, reporting each `ledger()` call and replacing the chosen ledgers' bytes. */
class WatchingSource implements LedgerSource {
  readonly description: string;
  readonly #inner: LedgerSource;
  readonly #channel: BroadcastChannel;
  readonly #replaced: ReadonlyMap<number, Uint8Array>;

  constructor(inner: LedgerSource, options: { channel: BroadcastChannel; replaced: ReadonlyMap<number, Uint8Array> }) {
    this.#inner = inner;
    this.#channel = options.channel;
    this.#replaced = options.replaced;
    this.description = inner.description;
  }

  networkTip(options?: SourceCallOptions): Promise<LedgerSeq> {
    return this.#inner.networkTip(options);
  }

  ledgers(range: LedgerRange, options?: SourceCallOptions): AsyncIterable<Uint8Array> {
    return this.#inner.ledgers(range, options);
  }

  async ledger(ledgerSeq: LedgerSeq, options?: SourceCallOptions): Promise<Uint8Array | undefined> {
    const bytes = await this.#inner.ledger(ledgerSeq, options);
    const asked: FromWatchedLake = { kind: "asked", ledgerSeq, missing: bytes === undefined };
    this.#channel.postMessage(asked);
    if (bytes === undefined) return undefined;
    return this.#replaced.get(ledgerSeq) ?? bytes;
  }
}

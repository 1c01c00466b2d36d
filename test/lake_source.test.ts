/**
 * The shared ledger-source suite, run against BOTH datastore types: Filesystem (a copy of the lake
 * on disk) and S3 (the same lake uploaded to a real s3rver behind a fault proxy). Fixture lakes
 * (expected.json) and synthetic lakes (`writeSynthLake`) with 1 and 4 ledgers per file and small
 * partitions, so every stream crosses object and partition boundaries.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerSeq } from "../src/geometry/chunk.ts";
import { type ConfiguredSchema } from "../src/lake/datastore_manifest.ts";
import { objectKeyOf } from "../src/lake/datastore_schema.ts";
import { openDatastoreSource } from "../src/lake/datastore_source.ts";
import {
  LakeConfigError,
  LakeCorruptObjectError,
  LakeMissingObjectError,
  LakeNotReadyError,
  LakeUnavailableError,
  TransientStoreError,
} from "../src/lake/lake_errors.ts";
import { type LedgerRange, type LedgerSource } from "../src/lake/ledger_source.ts";
import { type ObjectStore } from "../src/lake/object_store.ts";
import { openLakeSource, openLakeStore } from "../src/lake/open_lake_source.ts";
import { LedgerSynth } from "../src/synth/ledger_synth.ts";
import { encodeLedgerBatch, writeSynthLake } from "../src/synth/synth_lake.ts";
import { walkLedger } from "../src/xdr/walk_ledger.ts";
import { expectedFixture, fixturePath, toHex } from "./support/fixtures.ts";
import { filesystemBackend, type LakeBackend, type PublishedLake, s3Backend } from "./support/lake_backends.ts";

const TESTNET = "Test SDF Network ; September 2015";
const SYNTH_PASSPHRASE = "Standalone Network ; February 2017";
const SYNTH_SEED = 42;
const SYNTH_LAST = 41 as LedgerSeq;
const BSB = { bufferObjectCount: 6, workerCount: 3, maxRetries: 2, retryWaitMs: 1 };

const workDir = mkdtempSync(join(tmpdir(), "fullhistory-lake-suite-"));
const synth = new LedgerSynth({ seed: SYNTH_SEED, profile: "sparse", networkPassphrase: SYNTH_PASSPHRASE });

/** Synthetic lakes written once: [2, 41] with 1 ledger per file (4 per partition) and 4 per file (2 per partition). */
const SYNTH_LAKES = [
  { name: "1 ledger per file", ledgersPerFile: 1, filesPerPartition: 4 },
  { name: "4 ledgers per file", ledgersPerFile: 4, filesPerPartition: 2 },
] as const;

beforeAll(async () => {
  for (const lake of SYNTH_LAKES) {
    await writeSynthLake({
      outDir: join(workDir, lake.name),
      first: 2 as LedgerSeq,
      last: SYNTH_LAST,
      profile: "sparse",
      seed: SYNTH_SEED,
      networkPassphrase: SYNTH_PASSPHRASE,
      ledgersPerFile: lake.ledgersPerFile,
      filesPerPartition: lake.filesPerPartition,
    });
  }
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function open(published: PublishedLake, options: { passphrase?: string; schema?: ConfiguredSchema; bsb?: typeof BSB } = {}) {
  return openLakeSource({
    type: published.type,
    params: published.params,
    schema: options.schema ?? {},
    bsb: options.bsb ?? BSB,
    networkPassphrase: options.passphrase ?? SYNTH_PASSPHRASE,
  });
}

async function collect(source: LedgerSource, range: LedgerRange, signal?: AbortSignal): Promise<Uint8Array[]> {
  const ledgers: Uint8Array[] = [];
  for await (const ledger of source.ledgers(range, { signal })) ledgers.push(ledger);
  return ledgers;
}

function range(first: number, last: number): LedgerRange {
  return { first: first as LedgerSeq, last: last as LedgerSeq };
}

/** A real store with a hook in front of `get`: counts what is in flight, or fails transiently first. */
class InstrumentedStore implements ObjectStore {
  inFlight = 0;
  inFlightMax = 0;
  getCount = 0;
  transientFailuresLeft = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #inner: ObjectStore;

  constructor(inner: ObjectStore) {
    this.#inner = inner;
  }

  locate(key: string): string {
    return this.#inner.locate(key);
  }

  listChildren(dirKey: string, limit: number): Promise<string[]> {
    return this.#inner.listChildren(dirKey, limit);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.getCount++;
    if (this.transientFailuresLeft > 0) {
      this.transientFailuresLeft--;
      throw new TransientStoreError(`injected failure reading "${key}"`);
    }
    this.inFlight++;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
    try {
      return await this.#inner.get(key);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves when no `get` is in flight (immediately if none is). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

describe.each([filesystemBackend(), s3Backend()])("$name lake", (backend: LakeBackend) => {
  beforeAll(() => backend.start(), 30_000);
  afterAll(() => backend.stop());

  test("openLakeSource() serves the testnet 997-999 fixture with the expected hashes", async () => {
    const source = await open(await backend.publish(fixturePath("testnet-997-999-datastore")), { passphrase: TESTNET });
    expect(await source.networkTip()).toBe(999 as LedgerSeq);
    const ledgers = await collect(source, range(997, 999));
    for (const [index, name] of ["testnet-997", "testnet-998", "testnet-999"].entries()) {
      const want = expectedFixture(name).ledgers[0]!;
      const view = walkLedger(ledgers[index]!);
      expect(view.ledgerSeq).toBe(want.seq as LedgerSeq);
      expect(view.closeTimeSec).toBe(want.closeTime);
      expect(view.transactions.map((tx) => toHex(ledgers[index]!.subarray(tx.hashOffset, tx.hashOffset + 32)))).toEqual(want.hashes!);
    }
  });

  test("openLakeSource() serves the V2 fixture with its fee-bump inner hashes", async () => {
    const source = await open(await backend.publish(fixturePath("testnet-848581-848582-v2/datastore")), { passphrase: TESTNET });
    expect(await source.networkTip()).toBe(848582 as LedgerSeq);
    const ledgers = await collect(source, range(848581, 848582));
    for (const [index, name] of ["testnet-848581-v2", "testnet-848582-v2"].entries()) {
      const want = expectedFixture(name).ledgers[0]!;
      const bytes = ledgers[index]!;
      const inner = walkLedger(bytes).transactions.flatMap((tx) =>
        tx.innerHashOffset === undefined ? [] : [toHex(bytes.subarray(tx.innerHashOffset, tx.innerHashOffset + 32))],
      );
      expect(inner).toEqual(want.innerHashes!);
    }
  });

  test("openLakeSource() rejects a lake of another network, naming both passphrases", async () => {
    const published = await backend.publish(fixturePath("testnet-997-999-datastore"));
    const opening = open(published, { passphrase: "Public Global Stellar Network ; September 2015" });
    await expect(opening).rejects.toThrow(LakeConfigError);
    await expect(opening).rejects.toThrow(/Test SDF Network ; September 2015.*Public Global Stellar Network/);
  });

  test("openLakeSource() rejects a configured schema that contradicts the manifest", async () => {
    const published = await backend.publish(fixturePath("testnet-997-999-datastore"));
    const opening = open(published, { passphrase: TESTNET, schema: { ledgersPerFile: 64 } });
    await expect(opening).rejects.toThrow(/ledgers_per_file = 64 but the lake's manifest says 1/);
  });

  test("openLakeSource() without a manifest needs both schema values, then reads with them", async () => {
    const published = await backend.publish(join(workDir, SYNTH_LAKES[1].name));
    await published.remove(".config.json");
    await expect(open(published, { schema: { ledgersPerFile: 4 } })).rejects.toThrow(/schema.ledgers_per_file and schema.files_per_partition/);
    const source = await open(published, { schema: { ledgersPerFile: 4, filesPerPartition: 2 } });
    expect(await source.networkTip()).toBe(43 as LedgerSeq);
  });

  test.each(SYNTH_LAKES)("networkTip() of a lake with $name is the last ledger of the newest object", async (lake) => {
    const source = await open(await backend.publish(join(workDir, lake.name)));
    // [2, 41] widened to whole batches: 41 with one ledger per file, 43 with four.
    expect(await source.networkTip()).toBe((lake.ledgersPerFile === 1 ? 41 : 43) as LedgerSeq);
  });

  test("networkTip() of a lake with no objects is LakeNotReadyError", async () => {
    const emptyLake = join(workDir, `empty-${backend.name}`);
    await Bun.write(join(emptyLake, ".config.json"), await Bun.file(join(workDir, SYNTH_LAKES[0].name, ".config.json")).bytes());
    const source = await open(await backend.publish(emptyLake));
    await expect(source.networkTip()).rejects.toThrow(LakeNotReadyError);
  });

  test.each(SYNTH_LAKES)("ledgers() with $name streams [3, 37] across objects and partitions, in order", async (lake) => {
    const source = await open(await backend.publish(join(workDir, lake.name)));
    const ledgers = await collect(source, range(3, 37));
    expect(ledgers.map((ledger) => walkLedger(ledger).ledgerSeq)).toEqual(Array.from({ length: 35 }, (_, index) => (3 + index) as LedgerSeq));
    for (const [index, ledger] of ledgers.entries()) {
      expect(Buffer.compare(ledger, synth.generate((3 + index) as LedgerSeq).lcm)).toBe(0);
    }
  });

  test.each(SYNTH_LAKES)("ledger() with $name returns one ledger, and undefined past the tip", async (lake) => {
    const source = await open(await backend.publish(join(workDir, lake.name)));
    const ledger = await source.ledger(17 as LedgerSeq);
    expect(ledger === undefined ? undefined : walkLedger(ledger).ledgerSeq).toBe(17 as LedgerSeq);
    expect(Buffer.compare(ledger!, synth.generate(17 as LedgerSeq).lcm)).toBe(0);
    expect(await source.ledger(1000 as LedgerSeq)).toBeUndefined();
  });

  test("ledgers() names the missing object when the lake has a gap", async () => {
    const published = await backend.publish(join(workDir, SYNTH_LAKES[0].name));
    const key = objectKeyOf({ ledgersPerFile: 1, filesPerPartition: 4, fileExtension: "zst" }, 20 as LedgerSeq);
    await published.remove(key);
    const source = await open(published);
    const streaming = collect(source, range(10, 30));
    await expect(streaming).rejects.toThrow(LakeMissingObjectError);
    await expect(streaming).rejects.toThrow(published.locate(key));
  });

  const CORRUPTIONS = [
    { name: "truncated zstd", damage: (bytes: Uint8Array) => bytes.subarray(0, bytes.length - 7), want: /zstd decompression failed/ },
    { name: "garbage XDR", damage: () => Bun.zstdCompressSync(new Uint8Array(64).fill(0xab)), want: /bad LedgerCloseMetaBatch XDR/ },
    {
      name: "a batch of another range",
      damage: () => Bun.zstdCompressSync(encodeLedgerBatch(21 as LedgerSeq, [synth.generate(21 as LedgerSeq).lcm])),
      want: /batch holds ledgers \[21, 21\] but its key names \[20, 20\]/,
    },
  ];

  test.each(CORRUPTIONS)("ledgers() names the object holding $name, and does not retry it", async (corruption) => {
    const published = await backend.publish(join(workDir, SYNTH_LAKES[0].name));
    const key = objectKeyOf({ ledgersPerFile: 1, filesPerPartition: 4, fileExtension: "zst" }, 20 as LedgerSeq);
    const original = await Bun.file(join(workDir, SYNTH_LAKES[0].name, key)).bytes();
    await published.put(key, corruption.damage(original));
    const store = new InstrumentedStore(await openLakeStore(published.type, published.params));
    const source = await openDatastoreSource(store, { networkPassphrase: SYNTH_PASSPHRASE, schema: {}, prefetch: prefetchOf(BSB), storeKind: backend.name });
    const streaming = collect(source, range(20, 20));
    await expect(streaming).rejects.toThrow(LakeCorruptObjectError);
    await expect(streaming).rejects.toThrow(corruption.want);
    await expect(streaming).rejects.toThrow(published.locate(key));
    expect(store.getCount).toBe(2); // the manifest, then the object once
  });

  test("ledgers() retries transient store failures and then succeeds", async () => {
    const published = await backend.publish(join(workDir, SYNTH_LAKES[1].name));
    const store = new InstrumentedStore(await openLakeStore(published.type, published.params));
    const source = await openDatastoreSource(store, { networkPassphrase: SYNTH_PASSPHRASE, schema: {}, prefetch: prefetchOf(BSB), storeKind: backend.name });
    store.transientFailuresLeft = 2; // maxRetries 2: the first object needs its last attempt
    const getsBefore = store.getCount;
    const ledgers = await collect(source, range(4, 11));
    expect(ledgers.length).toBe(8);
    expect(store.getCount - getsBefore).toBe(2 + 2); // two objects, two failed attempts
  });

  test("ledgers() gives up after max_retries transient failures with LakeUnavailableError", async () => {
    const published = await backend.publish(join(workDir, SYNTH_LAKES[1].name));
    const store = new InstrumentedStore(await openLakeStore(published.type, published.params));
    const source = await openDatastoreSource(store, { networkPassphrase: SYNTH_PASSPHRASE, schema: {}, prefetch: prefetchOf(BSB), storeKind: backend.name });
    store.transientFailuresLeft = 100;
    const streaming = collect(source, range(4, 7));
    await expect(streaming).rejects.toThrow(LakeUnavailableError);
    await expect(streaming).rejects.toThrow(/on all 3 attempts/);
  });

  test("ledgers() keeps at most num_workers fetches in flight and buffer_size objects ahead", async () => {
    const published = await backend.publish(join(workDir, SYNTH_LAKES[0].name));
    const store = new InstrumentedStore(await openLakeStore(published.type, published.params));
    const source = await openDatastoreSource(store, { networkPassphrase: SYNTH_PASSPHRASE, schema: {}, prefetch: prefetchOf(BSB), storeKind: backend.name });
    const getsBefore = store.getCount;
    let consumed = 0;
    for await (const ledger of source.ledgers(range(2, 41))) {
      expect(ledger.length).toBeGreaterThan(0);
      consumed++;
      await store.whenIdle(); // a slow consumer: let the prefetcher run as far ahead as it may
      const started = store.getCount - getsBefore;
      expect(started - consumed).toBeLessThanOrEqual(BSB.bufferObjectCount);
      if (consumed === 1) expect(started - consumed).toBe(BSB.bufferObjectCount); // it did run ahead, to the bound
    }
    expect(consumed).toBe(40);
    expect(store.inFlightMax).toBeLessThanOrEqual(BSB.workerCount);
    expect(store.inFlightMax).toBe(BSB.workerCount);
  });

  test("ledgers() ends with the abort reason when cancelled mid-stream", async () => {
    const source = await open(await backend.publish(join(workDir, SYNTH_LAKES[0].name)));
    const controller = new AbortController();
    const seen: number[] = [];
    const streaming = (async () => {
      for await (const ledger of source.ledgers(range(2, 41), { signal: controller.signal })) {
        seen.push(walkLedger(ledger).ledgerSeq);
        if (seen.length === 5) controller.abort(new Error("operator stop"));
      }
    })();
    await expect(streaming).rejects.toThrow("operator stop");
    expect(seen).toEqual([2, 3, 4, 5, 6]);
  });

  if (backend.name === "S3") {
    test.each(["503", "reset"] as const)("S3 ledgers() recovers from real %s answers through the proxy", async (mode) => {
      const source = await open(await backend.publish(join(workDir, SYNTH_LAKES[1].name)));
      const proxy = backend.proxy!;
      const failedBefore = proxy.failedCount;
      proxy.failNextRequests(2, mode);
      const ledgers = await collect(source, range(2, 41));
      expect(ledgers.length).toBe(40);
      expect(proxy.failedCount - failedBefore).toBe(2);
    });

    test("S3 openLakeSource() reports an unknown bucket as a configuration error", async () => {
      const published = await backend.publish(join(workDir, SYNTH_LAKES[0].name));
      const params = { ...published.params, destination_bucket_path: "no-such-bucket/x" };
      await expect(open({ ...published, params })).rejects.toThrow(LakeConfigError);
    });
  }
});

describe("openLakeSource() params", () => {
  test("rejects an unknown param, naming it and the allowed ones", async () => {
    const opening = openLakeSource({ type: "Filesystem", params: { destination_path: workDir, bucket: "x" }, schema: {}, bsb: BSB, networkPassphrase: SYNTH_PASSPHRASE });
    await expect(opening).rejects.toThrow(/Invalid config: unknown \[backfill.datastore.params\] key "bucket" for type "Filesystem": allowed are destination_path/);
  });

  test("rejects a missing required param", async () => {
    const opening = openLakeSource({ type: "S3", params: {}, schema: {}, bsb: BSB, networkPassphrase: SYNTH_PASSPHRASE });
    await expect(opening).rejects.toThrow(/Invalid config: missing \[backfill.datastore.params\] destination_bucket_path/);
  });

  test("rejects a Filesystem destination_path that does not exist", async () => {
    const opening = openLakeSource({ type: "Filesystem", params: { destination_path: join(workDir, "nope") }, schema: {}, bsb: BSB, networkPassphrase: SYNTH_PASSPHRASE });
    await expect(opening).rejects.toThrow(LakeConfigError);
  });
});

function prefetchOf(bsb: typeof BSB) {
  return { bufferSize: bsb.bufferObjectCount, workerCount: bsb.workerCount, maxRetries: bsb.maxRetries, retryWaitMs: bsb.retryWaitMs };
}


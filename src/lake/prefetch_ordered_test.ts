import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { LakeCorruptObjectError, LakeUnavailableError, TransientStoreError } from "./lake_errors.ts";
import { prefetchOrdered } from "./prefetch_ordered.ts";

const OPTIONS = { bufferSize: 4, workerCount: 2, maxRetries: 2, retryWaitMs: 0 };

/** A fetch whose results the test releases by hand, so ordering and bounds are observable without timing. */
class ManualFetch {
  readonly started: number[] = [];
  readonly #pending = new Map<number, (value: string) => void>();
  inFlight = 0;
  inFlightMax = 0;

  fetch = (index: number): Promise<string> => {
    this.started.push(index);
    this.inFlight++;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
    return new Promise((resolve) => this.#pending.set(index, resolve));
  };

  release(index: number): void {
    const resolve = this.#pending.get(index);
    if (resolve === undefined) throw new Error(`item ${index} is not in flight`);
    this.#pending.delete(index);
    this.inFlight--;
    resolve(`item ${index}`);
  }
}

/** Lets queued promise callbacks run (no timers involved). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn++) await Promise.resolve();
}

describe("prefetchOrdered()", () => {
  test("prefetchOrdered() yields in index order even when later items finish first", async () => {
    const manual = new ManualFetch();
    const iterator = prefetchOrdered(3, manual.fetch, { ...OPTIONS, workerCount: 3 });
    const first = iterator.next();
    await settle();
    expect(manual.started).toEqual([0, 1, 2]);
    manual.release(2);
    manual.release(1);
    manual.release(0);
    expect((await first).value).toBe("item 0");
    expect((await iterator.next()).value).toBe("item 1");
    expect((await iterator.next()).value).toBe("item 2");
    expect((await iterator.next()).done).toBe(true);
  });

  test("prefetchOrdered() keeps workerCount in flight and bufferSize ahead of the consumer", async () => {
    const manual = new ManualFetch();
    const iterator = prefetchOrdered(10, manual.fetch, OPTIONS);
    const first = iterator.next();
    await settle();
    expect(manual.started).toEqual([0, 1]); // two workers
    manual.release(0);
    manual.release(1);
    expect((await first).value).toBe("item 0");
    await settle();
    expect(manual.started).toEqual([0, 1, 2, 3]);
    manual.release(2);
    manual.release(3);
    await settle();
    // Consumer holds item 0; items 1..4 are started: 4 ahead = bufferSize, so item 5 waits.
    expect(manual.started).toEqual([0, 1, 2, 3, 4]);
    expect(manual.inFlightMax).toBe(2);
    await iterator.return(undefined);
  });

  test("prefetchOrdered() retries a transient failure and gives the item once", async () => {
    let attempts = 0;
    const fetched = prefetchOrdered(1, async () => {
      attempts++;
      if (attempts < 3) throw new TransientStoreError("connection reset");
      return "ok";
    }, OPTIONS);
    const items: string[] = [];
    for await (const item of fetched) items.push(item);
    expect(items).toEqual(["ok"]);
    expect(attempts).toBe(3);
  });

  test("prefetchOrdered() wraps the last transient failure in LakeUnavailableError after maxRetries", async () => {
    let attempts = 0;
    const fetched = prefetchOrdered(1, async () => {
      attempts++;
      throw new TransientStoreError(`reading "k" failed (ConnectionRefused)`);
    }, OPTIONS);
    const drain = async () => {
      for await (const _ of fetched) expect(_).toBeUndefined();
    };
    await expect(drain()).rejects.toThrow(LakeUnavailableError);
    expect(attempts).toBe(3);
  });

  test("prefetchOrdered() does not retry a corrupt object", async () => {
    let attempts = 0;
    const fetched = prefetchOrdered(1, async () => {
      attempts++;
      throw new LakeCorruptObjectError("k", "bad");
    }, OPTIONS);
    await expect(fetched.next()).rejects.toThrow(LakeCorruptObjectError);
    expect(attempts).toBe(1);
  });

  test("prefetchOrdered() rejects with the abort reason and starts nothing more", async () => {
    const manual = new ManualFetch();
    const controller = new AbortController();
    const iterator = prefetchOrdered(10, manual.fetch, { ...OPTIONS, signal: controller.signal });
    const first = iterator.next();
    await settle();
    controller.abort(new Error("shutdown"));
    await expect(first).rejects.toThrow("shutdown");
    manual.release(0);
    manual.release(1);
    await settle();
    expect(manual.started).toEqual([0, 1]);
  });

  test("prefetchOrdered() rejects a zero buffer size as a bug", async () => {
    await expect(prefetchOrdered(1, async () => "x", { ...OPTIONS, bufferSize: 0 }).next()).rejects.toThrow(InvariantError);
  });
});

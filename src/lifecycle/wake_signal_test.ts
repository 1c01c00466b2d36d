import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { WakeSignal } from "./wake_signal.ts";

const PENDING = Symbol("pending");

/** The promise's outcome if it has already settled, else PENDING (no timers: a race with a resolved sentinel). */
async function settledState(promise: Promise<void>): Promise<"resolved" | "rejected" | typeof PENDING> {
  return await Promise.race([
    promise.then(
      () => "resolved" as const,
      () => "rejected" as const,
    ),
    // Two hops behind `promise.then`, so an already settled promise wins the race.
    Promise.resolve().then(() => Promise.resolve(PENDING)),
  ]);
}

describe("WakeSignal", () => {
  test("wait() resolves at the next wake() when nothing is pending", async () => {
    const wakeup = new WakeSignal();
    const waiting = wakeup.wait({ signal: new AbortController().signal });
    expect(await settledState(waiting)).toBe(PENDING);
    wakeup.wake();
    expect(await settledState(waiting)).toBe("resolved");
  });

  test("wait() resolves at once for a wake() that came before it", async () => {
    const wakeup = new WakeSignal();
    wakeup.wake();
    expect(await settledState(wakeup.wait({ signal: new AbortController().signal }))).toBe("resolved");
  });

  test("10 wake() calls before a wait() collapse into one: the second wait() waits", async () => {
    const wakeup = new WakeSignal();
    const signal = new AbortController().signal;
    for (let wakeIndex = 0; wakeIndex < 10; wakeIndex++) wakeup.wake();
    expect(await settledState(wakeup.wait({ signal }))).toBe("resolved");
    const second = wakeup.wait({ signal });
    expect(await settledState(second)).toBe(PENDING);
    wakeup.wake();
    expect(await settledState(second)).toBe("resolved");
  });

  test("wake() with a waiter wakes it and leaves nothing pending", async () => {
    const wakeup = new WakeSignal();
    const signal = new AbortController().signal;
    const first = wakeup.wait({ signal });
    wakeup.wake();
    expect(await settledState(first)).toBe("resolved");
    expect(await settledState(wakeup.wait({ signal }))).toBe(PENDING);
  });

  test("wait() rejects with the abort reason when the signal aborts, and the pending wake survives", async () => {
    const wakeup = new WakeSignal();
    const controller = new AbortController();
    const waiting = wakeup.wait({ signal: controller.signal });
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    wakeup.wake(); // nobody waits now: kept for the next run's wait()
    expect(await settledState(wakeup.wait({ signal: new AbortController().signal }))).toBe("resolved");
  });

  test("wait() with an already aborted signal rejects at once, even with a wake pending, and keeps the wake", async () => {
    const wakeup = new WakeSignal();
    wakeup.wake();
    const reason = new Error("already stopped");
    await expect(wakeup.wait({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await settledState(wakeup.wait({ signal: new AbortController().signal }))).toBe("resolved");
  });

  test("a second concurrent wait() is a bug: InvariantError", () => {
    const wakeup = new WakeSignal();
    const signal = new AbortController().signal;
    void wakeup.wait({ signal });
    expect(() => wakeup.wait({ signal })).toThrow(InvariantError);
  });

  test("wake() never throws, with or without a waiter, however often it is called", () => {
    const wakeup = new WakeSignal();
    expect(() => {
      for (let wakeIndex = 0; wakeIndex < 1000; wakeIndex++) wakeup.wake();
    }).not.toThrow();
  });
});

import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { FatalError, FullhistoryError } from "../errors.ts";
import { abortableDelay, isRetryable, RETRY_BACKOFF_MS_MAX, retryBackoffMs, withRetries } from "./with_retries.ts";

class FlakyError extends FullhistoryError {
  override name = "FlakyError";
}

/** A task failing with `errors` in order, then returning "ok"; counts its attempts. */
function scriptedTask(errors: readonly unknown[]): { attempts: () => number; run: () => Promise<string> } {
  let attempts = 0;
  return {
    attempts: () => attempts,
    run: async () => {
      const error = errors[attempts];
      attempts += 1;
      if (error !== undefined) throw error;
      return "ok";
    },
  };
}

describe("retryBackoffMs()", () => {
  test("retryBackoffMs() doubles from the base and caps at 30 s", () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryBackoffMs(retry, 1000))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000]);
    expect(retryBackoffMs(31, 1000)).toBe(RETRY_BACKOFF_MS_MAX);
    expect(retryBackoffMs(10_000, 1)).toBe(RETRY_BACKOFF_MS_MAX);
  });

  test("retryBackoffMs() rejects retry 0", () => {
    expect(() => retryBackoffMs(0, 1000)).toThrow(InvariantError);
  });
});

describe("withRetries()", () => {
  test("withRetries() retries a retryable failure and returns the later success, waiting base·2^(n−1) between attempts", async () => {
    const task = scriptedTask([new FlakyError("one"), new FlakyError("two"), new FlakyError("three")]);
    const retries: { attempt: number; delayMs: number; message: string }[] = [];
    const result = await withRetries(task.run, {
      maxRetries: 3,
      backoffBaseMs: 1,
      signal: new AbortController().signal,
      onRetry: ({ attempt, delayMs, error }) => retries.push({ attempt, delayMs, message: error.message }),
    });
    expect(result).toBe("ok");
    expect(task.attempts()).toBe(4);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 1, message: "one" },
      { attempt: 2, delayMs: 2, message: "two" },
      { attempt: 3, delayMs: 4, message: "three" },
    ]);
  });

  test("withRetries() makes maxRetries + 1 attempts and then throws the last error", async () => {
    const task = scriptedTask([new FlakyError("a"), new FlakyError("b"), new FlakyError("c")]);
    await expect(withRetries(task.run, { maxRetries: 2, backoffBaseMs: 0, signal: new AbortController().signal })).rejects.toThrow("c");
    expect(task.attempts()).toBe(3);
  });

  test("withRetries() with maxRetries 0 runs the task exactly once", async () => {
    const task = scriptedTask([new FlakyError("once")]);
    await expect(withRetries(task.run, { maxRetries: 0, backoffBaseMs: 0, signal: new AbortController().signal })).rejects.toThrow("once");
    expect(task.attempts()).toBe(1);
  });

  test.each([
    ["a FatalError", new FatalError("fatal")],
    ["an InvariantError", new InvariantError("bug")],
    ["a plain Error", new Error("bug")],
  ])("withRetries() never retries %s", async (_label, error) => {
    const task = scriptedTask([error]);
    await expect(withRetries(task.run, { maxRetries: 5, backoffBaseMs: 0, signal: new AbortController().signal })).rejects.toBe(error);
    expect(task.attempts()).toBe(1);
  });

  test("withRetries() stops at once when the signal aborts during a backoff wait", async () => {
    const controller = new AbortController();
    const task = scriptedTask([new FlakyError("first")]);
    const reason = new Error("shutdown");
    // A 60 s wait the test would never outlive unless the abort cuts it short.
    const run = withRetries(task.run, { maxRetries: 3, backoffBaseMs: 60_000, signal: controller.signal, onRetry: () => controller.abort(reason) });
    await expect(run).rejects.toBe(reason);
    expect(task.attempts()).toBe(1);
  });

  test("withRetries() starts no attempt when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    const task = scriptedTask([]);
    await expect(withRetries(task.run, { maxRetries: 3, backoffBaseMs: 0, signal: controller.signal })).rejects.toThrow("gone");
    expect(task.attempts()).toBe(0);
  });

  test("withRetries() does not retry an attempt that failed because the signal aborted", async () => {
    const controller = new AbortController();
    let attempts = 0;
    const run = withRetries(
      async () => {
        attempts += 1;
        controller.abort(new Error("stop"));
        throw new FlakyError("cancelled mid-attempt");
      },
      { maxRetries: 3, backoffBaseMs: 0, signal: controller.signal },
    );
    await expect(run).rejects.toThrow("cancelled mid-attempt");
    expect(attempts).toBe(1);
  });
});

describe("isRetryable() and abortableDelay()", () => {
  test("isRetryable() accepts expected failures only", () => {
    expect(isRetryable(new FlakyError("x"))).toBe(true);
    expect(isRetryable(new FatalError("x"))).toBe(false);
    expect(isRetryable(new Error("x"))).toBe(false);
    expect(isRetryable("x")).toBe(false);
  });

  test("abortableDelay() rejects with the reason of an already aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("already"));
    await expect(abortableDelay(60_000, controller.signal)).rejects.toThrow("already");
  });
});

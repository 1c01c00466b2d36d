import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FatalError, FullhistoryError } from "./errors.ts";
import { InvariantError } from "./assert.ts";
import { serializeError, workerErrorEventText } from "./serialized_error.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fullhistory-worker-error-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The `error` event of a real Worker running `source`. */
function errorEventOf(source: string): Promise<ErrorEvent> {
  const path = join(dir, `worker-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(path, source);
  const worker = new Worker(path);
  return new Promise((resolve) => {
    worker.addEventListener("error", (event: ErrorEvent) => {
      worker.terminate();
      resolve(event);
    });
  });
}

test("workerErrorEventText() keeps the 'Name: message' line of an uncaught throw, not Bun's source excerpt", async () => {
  const event = await errorEventOf(`setTimeout(() => { throw new TypeError("something broke"); }, 1);\n`);
  expect(event.message).toContain("\n"); // what Bun gives: excerpt, caret, error line, stack
  expect(workerErrorEventText(event)).toBe("TypeError: something broke");
});

test("workerErrorEventText() of a Worker whose import fails is its one-line loader error", async () => {
  const event = await errorEventOf(`import "${join(dir, "missing_module.ts")}";\n`);
  expect(workerErrorEventText(event)).toStartWith("error: Cannot find module ");
  expect(workerErrorEventText(event)).not.toContain("\n");
});

test("workerErrorEventText() falls back to the first non-empty line, and says so when there is none", () => {
  expect(workerErrorEventText(new ErrorEvent("error", { message: "\n  worker ran out of memory\n  more\n" }))).toBe("worker ran out of memory");
  expect(workerErrorEventText(new ErrorEvent("error", { message: "" }))).toBe("no message");
});

test("serializeError() classes errors as the supervisor does: a system error is expected, a Node ERR_* error a bug", () => {
  expect(serializeError(new FatalError("hot volume lost")).category).toBe("fatal");
  expect(serializeError(new FullhistoryError("lake down")).category).toBe("expected");
  expect(serializeError(Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" })).category).toBe("expected");
  expect(serializeError(Object.assign(new TypeError("bad argument"), { code: "ERR_INVALID_ARG_TYPE" })).category).toBe("bug");
  expect(serializeError(new InvariantError("two frozen coverages")).category).toBe("bug");
  expect(serializeError("oops").category).toBe("bug");
});

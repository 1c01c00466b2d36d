/**
 * Test Worker for `libc_test.ts`: lowers its own thread's priority and reports its nice value
 * (from `/proc/thread-self/stat`, i.e. this thread's) before and after.
 * @module
 */

import { readFileSync } from "node:fs";
import { lowerCallingThreadPriority } from "./libc.ts";

declare const self: Worker;

/** Field 19 of proc(5) `stat`; fields are counted after the parenthesised command name. */
function threadNice(): number {
  const stat = readFileSync("/proc/thread-self/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

self.onmessage = (event: MessageEvent<{ increment: number }>) => {
  const before = threadNice();
  const returned = lowerCallingThreadPriority(event.data.increment);
  self.postMessage({ before, returned, after: threadNice() });
};

/**
 * Holds the write end of a FIFO for a test on another thread: `{ path }` opens it (blocking until
 * a reader opens the read end) and answers `attached`; `{ bytes }` then writes them, closes it and
 * answers `written`. `task_cancellation_test.ts` puts one in place of a lake object, so the moment
 * a chunk build's Worker starts reading that object is observable without polling.
 * @module
 */

import { closeSync, openSync, writeSync } from "node:fs";
import { assert } from "../../src/assert.ts";

declare const self: Worker;

let fd: number | undefined;

self.onmessage = (event: MessageEvent<{ path: string } | { bytes: Uint8Array }>): void => {
  const message = event.data;
  if ("path" in message) {
    assert(fd === undefined, "the FIFO is opened once");
    fd = openSync(message.path, "w");
    self.postMessage("attached");
    return;
  }
  assert(fd !== undefined, "bytes arrived before the FIFO was opened");
  let byteOffset = 0;
  // Bounded: every pass writes at least one byte or throws.
  while (byteOffset < message.bytes.length) byteOffset += writeSync(fd, message.bytes, byteOffset);
  closeSync(fd);
  self.postMessage("written");
};

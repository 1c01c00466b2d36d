/**
 * Child process for the root-lock tests (reference §11.3): locks the storage roots given as
 * arguments, prints one JSON line, then holds the locks until its stdin closes (or it is killed).
 *   {"locked": ["/abs/root", ...]}            on success
 *   {"error": "RootLockedError", "message": "..."}  on failure (exit status 1)
 * @module
 */

import { FullhistoryError } from "../../src/errors.ts";
import { lockRoots } from "../../src/lock/root_locks.ts";

function report(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

let locks: ReturnType<typeof lockRoots>;
try {
  locks = lockRoots(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof FullhistoryError)) throw err;
  report({ error: err.name, message: err.message });
  process.exit(1);
}
report({ locked: locks.roots });
await Bun.stdin.text(); // resolves when the parent closes our stdin
locks.release();
report({ released: locks.roots });

/**
 * Tests that observe real syscalls instead of mocking them: a child runs under
 * `strace -f -y -qq` — `-f` follows Bun's threads, `-y` names the file behind every fd, `-qq`
 * drops attach and exit notes — and the trace file is read back.
 * @module
 */

import { readFileSync } from "node:fs";

/** `argv` run under strace, tracing `syscalls` (strace's `-e trace=` list) into `tracePath`. */
export function stracedCommand(argv: readonly string[], options: { syscalls: string; tracePath: string }): string[] {
  return ["strace", "-f", "-y", "-qq", "-e", `trace=${options.syscalls}`, "-o", options.tracePath, ...argv];
}

// `strace -y` prints an fsync as `1234  fsync(5</path/of/fd>) = 0`.
const TRACED_FSYNC = /^\d+\s+fsync\(\d+<(.*)>\)\s+= 0$/;
// A signal delivered to a traced thread: `1234  --- SIGCHLD {...} ---`, not a syscall.
const TRACED_SIGNAL = /^\d+\s+--- SIG/;

/**
 * The path behind each fsync of a trace of `syscalls: "fsync"`, in order. Any other line (a failed
 * fsync, an fd strace could not name) throws: the caller's claim is about every fsync.
 */
export function fsyncedPaths(tracePath: string): string[] {
  const paths: string[] = [];
  for (const line of readFileSync(tracePath, "utf8").split("\n")) {
    if (line === "" || TRACED_SIGNAL.test(line)) continue;
    const match = TRACED_FSYNC.exec(line);
    if (match === null) throw new Error(`unexpected strace line: ${line}`);
    paths.push(match[1]!);
  }
  return paths;
}

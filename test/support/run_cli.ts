/**
 * Runs the real entry point (`bun src/cli/main.ts`) as a child process and collects its output,
 * for the read-command and audit tests. stdout is kept as bytes too (`get-ledger --raw`).
 * @module
 */

import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

export interface CliRun {
  exitCode: number;
  stdout: string;
  stdoutBytes: Uint8Array;
  stderr: string;
}

/** `fullhistory ...argv`, run from `cwd`. */
export async function runCli(argv: readonly string[], options: { cwd: string }): Promise<CliRun> {
  const child = Bun.spawn([process.execPath, MAIN, ...argv], { cwd: options.cwd, stdout: "pipe", stderr: "pipe" });
  const [stdoutBytes, stderr, exitCode] = await Promise.all([new Response(child.stdout).bytes(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout: new TextDecoder().decode(stdoutBytes), stdoutBytes, stderr };
}

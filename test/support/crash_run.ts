/**
 * Runs one child process for a crash test: with `FULLHISTORY_CRASH_AT` set to `crashAt` (and only
 * then: an inherited value is removed), its output captured, bounded by `timeoutMs`.
 * @module
 */

import { CRASH_AT_ENV } from "../../src/crash_point.ts";

/** How a crash-test child ended. */
export interface DriverRun {
  exitCode: number | null;
  signalCode: string | null;
  stdout: string;
  stderr: string;
}

/** What a store holds durably: catalog keys and a hash per artifact file. */
export interface DurableState {
  keys: Record<string, string>;
  tree: Record<string, string>;
}

export async function runWithCrashPoint(command: string[], options: { crashAt?: string | undefined; timeoutMs: number }): Promise<DriverRun> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env[CRASH_AT_ENV];
  if (options.crashAt !== undefined) env[CRASH_AT_ENV] = options.crashAt;
  const child = Bun.spawn(command, { env, stdout: "pipe", stderr: "pipe", timeout: options.timeoutMs });
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  const signalCode = typeof child.signalCode === "string" ? child.signalCode : null;
  return { exitCode: child.exitCode, signalCode, stdout, stderr };
}

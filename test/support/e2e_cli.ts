/**
 * The real `fullhistory` entry point as a child process (`bun src/cli/main.ts ...`) for the
 * end-to-end tests: run to completion, or start and follow its stderr line by line (to act at a
 * known moment: SIGSTOP once it has locked its roots, SIGTERM once a pass started). No timing:
 * every wait is for a line the child prints or for its exit.
 * @module
 */

import { join } from "node:path";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

/** A finished child. */
export interface CliRun {
  exitCode: number;
  signalCode: NodeJS.Signals | number | null;
  stdout: string;
  stderr: string;
}

/** Runs `fullhistory ARGV...` in `cwd` to completion. */
export async function runCli(argv: readonly string[], options: { cwd: string }): Promise<CliRun> {
  const child = Bun.spawn([process.execPath, MAIN, ...argv], { cwd: options.cwd, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, signalCode: child.signalCode, stdout, stderr };
}

/** A running child whose stderr is read as it arrives. */
export interface CliProcess {
  readonly pid: number;
  /** Resolves with the first stderr line matching `pattern` (read so far or later); rejects if the child exits first. */
  waitForLine(pattern: RegExp): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  /** Waits for the exit and returns everything it printed. */
  finished(): Promise<CliRun>;
}

/** Starts `fullhistory ARGV...` in `cwd`. */
export function startCli(argv: readonly string[], options: { cwd: string }): CliProcess {
  const child = Bun.spawn([process.execPath, MAIN, ...argv], { cwd: options.cwd, stdout: "pipe", stderr: "pipe" });
  let stderr = "";
  let ended = false;
  const listeners: (() => void)[] = [];
  const notify = (): void => {
    for (const listener of listeners.splice(0)) listener();
  };
  const stderrDone = (async () => {
    const decoder = new TextDecoder();
    for await (const bytes of child.stderr) {
      stderr += decoder.decode(bytes, { stream: true });
      notify();
    }
    ended = true;
    notify();
  })();
  const stdoutText = new Response(child.stdout).text();
  return {
    pid: child.pid,
    waitForLine(pattern) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = stderr.split("\n").find((candidate) => pattern.test(candidate));
          if (line !== undefined) return resolve(line);
          if (ended) return reject(new Error(`child exited before printing ${pattern}; stderr:\n${stderr}`));
          listeners.push(check);
        };
        check();
      });
    },
    kill(signal) {
      child.kill(signal);
    },
    async finished() {
      const exitCode = await child.exited;
      await stderrDone;
      return { exitCode, signalCode: child.signalCode, stdout: await stdoutText, stderr };
    },
  };
}

/** The JSON log lines of a child run with `[logging] format = "json"` (other lines skipped). */
export function jsonLogLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The real daemon (`bun src/cli/main.ts --config FILE`) as a child process for the daemon tests:
 * its JSON log lines are parsed as they arrive and its `/metrics` endpoint is read, so a test waits
 * for a fact the daemon reports (a log line, a gauge value), never for time. A crash test arms a
 * crash point through the child's environment (`FULLHISTORY_CRASH_AT`, D14).
 * @module
 */

import { join } from "node:path";
import { CRASH_AT_ENV } from "../../src/crash_point.ts";
import { errnoCode } from "../../src/errors.ts";
import { type ChunkId, chunkLastLedger } from "../../src/geometry/chunk.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

/** Between two reads of `/metrics` while waiting for a gauge (a poll, not a wait for time). */
const METRICS_POLL_MS = 25;

/** How fetch fails when the daemon died mid-request or before it. */
const DEAD_SERVER_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ECONNRESET", "ConnectionClosed"]);

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown>;

/** A finished daemon. */
export interface DaemonExit {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | number | null;
  readonly stderr: string;
  readonly logs: readonly LogLine[];
}

/** A running daemon child. */
export interface DaemonProcess {
  readonly pid: number;
  /** Every JSON log line printed so far. */
  logs(): readonly LogLine[];
  /** Resolves with the first log line (printed so far or later) `matches` accepts; rejects if the child exits first. */
  waitForLog(description: string, matches: (line: LogLine) => boolean): Promise<LogLine>;
  /** The value of metric `name` (a series without labels) from `/metrics`, or undefined when unreachable. */
  metric(name: string): Promise<number | undefined>;
  /** Polls `/metrics` until `name` satisfies `accepts`; rejects if the child exits first. */
  waitForMetric(name: string, accepts: (value: number) => boolean): Promise<number>;
  kill(signal: NodeJS.Signals): void;
  /** Waits for the exit. */
  exited(): Promise<DaemonExit>;
  /** True once the child has exited. */
  hasExited(): boolean;
}

/** Options of `startDaemon`. */
export interface StartDaemonOptions {
  readonly cwd: string;
  /** `<point>[:<nth>]` to arm one crash point (D14). */
  readonly crashAt?: string;
  /** Extra `--section.key=value` flags. */
  readonly flags?: readonly string[];
}

/** Starts the daemon on `configPath`. */
export function startDaemon(configPath: string, options: StartDaemonOptions): DaemonProcess {
  const env: Record<string, string | undefined> = { ...process.env, [CRASH_AT_ENV]: options.crashAt };
  const child = Bun.spawn([process.execPath, MAIN, "--config", configPath, ...(options.flags ?? [])], {
    cwd: options.cwd,
    env,
    stdout: "ignore",
    stderr: "pipe",
  });
  let stderr = "";
  let pending = "";
  const logs: LogLine[] = [];
  let ended = false;
  const listeners: (() => void)[] = [];
  const notify = (): void => {
    for (const listener of listeners.splice(0)) listener();
  };
  const stderrDone = (async () => {
    const decoder = new TextDecoder();
    for await (const bytes of child.stderr) {
      const text = decoder.decode(bytes, { stream: true });
      stderr += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) logs.push(JSON.parse(line) as LogLine);
      notify();
    }
    ended = true;
    notify();
  })();
  let metricsUrl: string | undefined;
  const daemon: DaemonProcess = {
    pid: child.pid,
    logs: () => logs,
    waitForLog(description, matches) {
      return new Promise((resolve, reject) => {
        let checked = 0;
        const check = (): void => {
          for (; checked < logs.length; checked++) if (matches(logs[checked]!)) return resolve(logs[checked]!);
          if (ended) return reject(new Error(`daemon exited before logging ${description}; stderr:\n${stderr.slice(-4000)}`));
          listeners.push(check);
        };
        check();
      });
    },
    async metric(name) {
      metricsUrl ??= logs.find((line) => line["msg"] === "serving metrics")?.["url"] as string | undefined;
      if (metricsUrl === undefined || ended) return undefined;
      let text: string;
      try {
        text = await (await fetch(metricsUrl)).text();
      } catch (err) {
        // The daemon died between the check and the request (a crash test): no value.
        if (DEAD_SERVER_CODES.has(errnoCode(err) ?? "")) return undefined;
        throw err;
      }
      const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.slice(name.length + 1));
    },
    async waitForMetric(name, accepts) {
      await daemon.waitForLog("serving metrics", (line) => line["msg"] === "serving metrics");
      // Bounded by the child: it either reaches the value or exits (the test's timeout is the backstop).
      for (;;) {
        const value = await daemon.metric(name);
        if (value !== undefined && accepts(value)) return value;
        if (ended) throw new Error(`daemon exited before ${name} was accepted (last ${value}); stderr:\n${stderr.slice(-4000)}`);
        await Bun.sleep(METRICS_POLL_MS);
      }
    },
    kill(signal) {
      child.kill(signal);
    },
    async exited() {
      await child.exited;
      await stderrDone;
      return { exitCode: child.exitCode, signalCode: child.signalCode, stderr, logs };
    },
    hasExited: () => ended,
  };
  return daemon;
}

/** The log lines of `logs` whose message is `msg`. */
export function logsWithMessage(logs: readonly LogLine[], msg: string): LogLine[] {
  return logs.filter((line) => line["msg"] === msg);
}

/** The daemon's gauge of its last committed ledger (reference §10.1). */
export const LAST_COMMITTED_METRIC = "fullhistory_last_committed_ledger";

/** Waits until the daemon committed `lastLedgerSeq` and a lifecycle run saw chunk `closedChunk` complete. */
export async function settled(daemon: DaemonProcess, options: { lastLedgerSeq: number; closedChunk: number }): Promise<void> {
  await daemon.waitForMetric(LAST_COMMITTED_METRIC, (value) => value >= options.lastLedgerSeq);
  const throughLedgerSeq = chunkLastLedger(options.closedChunk as ChunkId);
  await daemon.waitForLog(`a lifecycle run through ${throughLedgerSeq}`, (line) => {
    return line["msg"] === "lifecycle: run complete" && (line["through"] as number) >= throughLedgerSeq;
  });
}

/**
 * The crash seam (D14, style R8): named points between the steps of every durable protocol. A point
 * is inert unless the process was started with `FULLHISTORY_CRASH_AT=<point>[:<nth>]`; then the nth
 * time (default 1) that point is passed, the process SIGKILLs itself — no cleanup, no flush, exactly
 * what `kill -9` or a power cut after the last synced write leaves behind. Crash tests run the real
 * code in a child process, kill it at every point of `CRASH_POINTS`, restart and check convergence.
 *
 * `CRASH_POINTS` is one closed list: tests iterate it, so a point added here is a test case, and a
 * point the tests cannot reach fails them. Later protocols append their own names.
 * @module
 */

import { unreachable } from "./assert.ts";
import { FatalError } from "./errors.ts";

/** Every crash point, in protocol order. Names are `<protocol>.<step just completed>`. */
export const CRASH_POINTS = [
  // One-write protocol for chunk artifacts (reference §5.2): after mark, barrier, flip.
  "chunk.marked",
  "chunk.barriered",
  "chunk.flipped",
  // One-write protocol for an index coverage (reference §5.3): after mark, barrier, commit.
  "index.marked",
  "index.barriered",
  "index.committed",
  // sweepChunkArtifacts (reference §5.5): after demote, unlink, directory fsync, key delete.
  "sweep.chunk.demoted",
  "sweep.chunk.unlinked",
  "sweep.chunk.synced",
  "sweep.chunk.deleted",
  // sweepIndexKey (reference §5.5): after demote, unlink, directory fsync, key delete.
  "sweep.index.demoted",
  "sweep.index.unlinked",
  "sweep.index.synced",
  "sweep.index.deleted",
  // openHotDbForChunk (reference §5.6), creating path: after rm -rf, transient, create, fsyncs, ready.
  "hot.open.removed",
  "hot.open.transient",
  "hot.open.created",
  "hot.open.synced",
  "hot.open.ready",
  // discardHotDbForChunk (reference §5.6): after transient, rm -rf, root fsync, key delete.
  "hot.discard.transient",
  "hot.discard.removed",
  "hot.discard.synced",
  "hot.discard.deleted",
  // Backfill write steps inside a Worker (reference §5.2 step 5, §5.3 step 5; src/backfill): after
  // each ledger reached every writer, after each kind's files are finished, after the .idx is built.
  "chunk.ledger.appended",
  "chunk.artifact.finished",
  "index.built",
  // A lifecycle run (reference §7.7; src/lifecycle): after its freeze, discard and prune stages.
  "lifecycle.frozen",
  "lifecycle.discarded",
  "lifecycle.pruned",
  // The ingestion loop (reference §7.11, §5.7; src/daemon/ingestion.ts): after each ledger's synced
  // batch, then at a chunk boundary after the close, the next chunk's hot DB open, the lifecycle wake.
  "ingest.committed",
  "ingest.boundary.closed",
  "ingest.boundary.opened",
  "ingest.boundary.woke",
  // A daemon run (src/daemon/daemon.ts): after catch-up, before the live tasks start.
  "daemon.catchup.done",
] as const;
/** One name from `CRASH_POINTS`; `crashPoint` accepts nothing else. */
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The points only a backfill Worker passes; test/backfill_crash.test.ts drives them, the catalog scenario cannot. */
export const BACKFILL_WORKER_CRASH_POINTS: readonly CrashPoint[] = ["chunk.ledger.appended", "chunk.artifact.finished", "index.built"];

/** The points between a lifecycle run's stages; test/lifecycle_crash.test.ts drives them, the catalog scenario cannot. */
export const LIFECYCLE_CRASH_POINTS: readonly CrashPoint[] = ["lifecycle.frozen", "lifecycle.discarded", "lifecycle.pruned"];

/** The points only the ingestion loop passes; test/daemon_crash.test.ts drives them, the catalog scenario cannot. */
export const INGESTION_CRASH_POINTS: readonly CrashPoint[] = ["ingest.committed", "ingest.boundary.closed", "ingest.boundary.opened", "ingest.boundary.woke"];

/** The points only a daemon run passes; test/daemon_crash.test.ts drives them with every other point. */
export const DAEMON_CRASH_POINTS: readonly CrashPoint[] = ["daemon.catchup.done"];

/** The environment variable that arms one crash point (D14). */
export const CRASH_AT_ENV = "FULLHISTORY_CRASH_AT";

/** `FULLHISTORY_CRASH_AT` names no known point or has a bad hit count: a broken test, never ignored. */
export class CrashPointConfigError extends FatalError {
  override name = "CrashPointConfigError";
}

/** A parsed `FULLHISTORY_CRASH_AT`: kill at the `nth` pass of `point` (1-based). */
export interface CrashAt {
  point: CrashPoint;
  nth: number;
}

/** Largest accepted hit count; a bound, not a tuning knob (no scenario passes a point this often). */
const CRASH_NTH_MAX = 1_000_000;

/** Parses `<point>[:<nth>]`; an unknown point, or an nth that is not an integer in [1, 10^6], throws. */
export function parseCrashAt(text: string): CrashAt {
  const [name, nthText, ...rest] = text.split(":");
  if (rest.length > 0) {
    throw new CrashPointConfigError(`Cannot parse ${CRASH_AT_ENV}="${text}": want <point>[:<nth>]`);
  }
  const point = CRASH_POINTS.find((known) => known === name);
  if (point === undefined) {
    throw new CrashPointConfigError(
      `Cannot parse ${CRASH_AT_ENV}="${text}": unknown crash point "${name}", want one of ${CRASH_POINTS.join(", ")}`,
    );
  }
  if (nthText === undefined) return { point, nth: 1 };
  if (!/^[1-9]\d{0,6}$/.test(nthText) || Number(nthText) > CRASH_NTH_MAX) {
    throw new CrashPointConfigError(
      `Cannot parse ${CRASH_AT_ENV}="${text}": hit count "${nthText}" is not an integer in [1, ${CRASH_NTH_MAX}]`,
    );
  }
  return { point, nth: Number(nthText) };
}

/** `FULLHISTORY_CRASH_AT` as read at the first `crashPoint` call: disarmed, invalid, or armed. */
type ArmedState =
  | { kind: "disarmed" }
  | { kind: "invalid"; error: CrashPointConfigError }
  | { kind: "armed"; crashAt: CrashAt; hitCount: number };

let armedState: ArmedState | undefined;

function loadArmedState(): ArmedState {
  const text = process.env[CRASH_AT_ENV];
  if (text === undefined || text === "") return { kind: "disarmed" };
  try {
    return { kind: "armed", crashAt: parseCrashAt(text), hitCount: 0 };
  } catch (err) {
    if (!(err instanceof CrashPointConfigError)) throw err;
    return { kind: "invalid", error: err };
  }
}

/**
 * Marks that the step before it is durable. Inert unless armed for `point`; on the armed point's nth
 * pass the process SIGKILLs itself. A malformed `FULLHISTORY_CRASH_AT` throws at every call, so a
 * crash test with a typo fails instead of silently testing nothing.
 */
export function crashPoint(point: CrashPoint): void {
  armedState ??= loadArmedState();
  const state = armedState;
  switch (state.kind) {
    case "disarmed":
      return;
    case "invalid":
      throw state.error;
    case "armed":
      if (state.crashAt.point !== point) return;
      state.hitCount += 1;
      if (state.hitCount === state.crashAt.nth) process.kill(process.pid, "SIGKILL");
      return;
    default:
      unreachable(state);
  }
}

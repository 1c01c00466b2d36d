/**
 * SIGINT and SIGTERM as an AbortSignal (reference §4.2: both cancel the run). The first signal
 * aborts: the backfill pool stops its Workers, nothing new starts, startup closes the catalog and
 * releases the locks, and the command exits 128 + signo (130 for SIGINT, 143 for SIGTERM — the
 * shell convention, so a script sees the run did not finish). A second signal stops at once: the
 * handlers are removed and the signal re-raised, so its default action kills the process. That is
 * as safe as `kill -9` (README invariants: every crash instant converges on restart), only faster
 * than waiting for Workers to wind down.
 * @module
 */

import { FullhistoryError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;
export type ShutdownSignalName = (typeof SHUTDOWN_SIGNALS)[number];

/** Exit status of a run stopped by a signal: 128 + its number. */
const EXIT_STATUS_OF: Readonly<Record<ShutdownSignalName, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The abort reason after a shutdown signal. */
export class InterruptedError extends FullhistoryError {
  override name = "InterruptedError";
  readonly signalName: ShutdownSignalName;

  constructor(signalName: ShutdownSignalName) {
    super(`Interrupted by ${signalName}: stopped before finishing; run the same command again to continue`);
    this.signalName = signalName;
  }
}

export interface ShutdownSignals {
  /** Aborted (reason: `InterruptedError`) by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** 130 or 143 once a signal arrived, else undefined. */
  exitStatus(): number | undefined;
  /** Removes the handlers; the default actions apply again. Idempotent. */
  dispose(): void;
}

/** Installs the handlers (see the module comment). Call `dispose()` when the run is over. */
export function listenForShutdown(options: { logger: Logger }): ShutdownSignals {
  const controller = new AbortController();
  let received: ShutdownSignalName | undefined;
  const handlers = new Map<ShutdownSignalName, () => void>();
  const dispose = (): void => {
    for (const [name, handler] of handlers) process.off(name, handler);
    handlers.clear();
  };
  for (const name of SHUTDOWN_SIGNALS) {
    const handler = (): void => {
      if (received !== undefined) {
        options.logger.warn("second shutdown signal: stopping at once", { signal: name });
        dispose();
        process.kill(process.pid, name);
        return;
      }
      received = name;
      options.logger.warn("shutdown signal received: stopping after the running tasks wind down (send it again to stop at once)", {
        signal: name,
      });
      controller.abort(new InterruptedError(name));
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    exitStatus: () => (received === undefined ? undefined : EXIT_STATUS_OF[received]),
    dispose,
  };
}

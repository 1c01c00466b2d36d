/**
 * `fullhistory backfill --config FILE [--section.key=VALUE ...]`: daemon startup up to the end of
 * catch-up (src/daemon/startup.ts, reference §7.6–§7.9), then exit. Exit 0 when the retention
 * window is backfilled (nothing to do is success), 1 on a failure (one line on stderr), 130/143
 * when SIGINT/SIGTERM stopped it (src/daemon/shutdown_signals.ts). Logs go to stderr in
 * `[logging]` level and format; a progress line is drawn while stderr is a terminal; metrics are
 * served at `[service] admin_endpoint` while it runs. docs/operations.md has the details.
 * @module
 */

import { parseConfigArgs } from "../config/config_args.ts";
import type { Config } from "../config/config.ts";
import { loadConfig } from "../config/load_config.ts";
import { FullhistoryError } from "../errors.ts";
import { backfillReporting } from "../daemon/backfill_reporting.ts";
import { listenForShutdown } from "../daemon/shutdown_signals.ts";
import { startUp } from "../daemon/startup.ts";
import { createLogger } from "../log/logger.ts";
import { type AdminServer, startAdminServer } from "../metrics/admin_server.ts";
import { createDaemonMetrics } from "../metrics/daemon_metrics.ts";
import { startProgressReporter } from "../progress/progress_reporter.ts";
import { stderrStatusLine } from "../progress/status_line.ts";
import type { Command } from "./commands.ts";

export const BACKFILL_COMMAND: Command = {
  name: "backfill",
  summary: "Backfill the retention window from the lake into cold files, then exit",
  usage: [
    "fullhistory backfill --config FILE [--section.key=VALUE ...]",
    "  Locks the storage roots, pins earliest_ledger on first start, derives what is already stored,",
    "  then backfills every complete chunk of the retention window from the lake, pass after pass,",
    "  until the lake's tip stops moving. Safe to interrupt (SIGINT/SIGTERM, even kill -9) and rerun.",
    "  Exit status: 0 done (also when nothing was missing), 1 failure, 130/143 interrupted.",
  ].join("\n"),
  async run(argv) {
    const { configPath, overrides } = parseConfigArgs(argv);
    return backfillOnce(await loadConfig(configPath, { overrides }));
  },
};

async function backfillOnce(config: Config): Promise<number> {
  const statusLine = stderrStatusLine();
  const logger = createLogger({ level: config.logging.level, format: config.logging.format, write: statusLine.writeLine });
  const metrics = createDaemonMetrics();
  const shutdown = listenForShutdown({ logger });
  let admin: AdminServer | undefined;
  const progress = startProgressReporter({ statusLine, logger });
  try {
    if (config.service.adminEndpoint !== undefined) {
      admin = startAdminServer(config.service.adminEndpoint, { registry: metrics.registry });
      logger.info("serving metrics", { url: `${admin.url}/metrics` });
    }
    const started = await startUp(config, {
      logger,
      metrics,
      observer: backfillReporting({ logger, metrics, progress }),
      signal: shutdown.signal,
    });
    started.storage.close();
    progress.stop();
    logger.info("backfill complete", { last_committed: started.lastCommittedLedger, earliest: started.earliestLedgerSeq });
    return 0;
  } catch (err) {
    const exitStatus = shutdown.exitStatus();
    // Stopped by a signal: an expected failure while winding down (a cancelled fetch, a stopped
    // Worker) is part of stopping; the store converges on rerun. A bug still surfaces as one.
    if (exitStatus === undefined || !(err instanceof FullhistoryError)) throw err;
    progress.stop();
    logger.warn("backfill interrupted; storage closed and roots unlocked; run it again to continue", {
      exit_status: exitStatus,
      error: err instanceof Error && err !== shutdown.signal.reason ? err : undefined,
    });
    return exitStatus;
  } finally {
    progress.stop();
    await admin?.stop();
    shutdown.dispose();
  }
}

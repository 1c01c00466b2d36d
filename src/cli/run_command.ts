/**
 * `fullhistory [run] --config FILE [--section.key=VALUE ...]`: the daemon (src/daemon/daemon.ts;
 * reference §7.6, README D10, D11). It starts once (lock, catalog, lake, earliest_ledger pin), then
 * runs catch-up, live ingestion and the lifecycle under the supervisor until stopped. Logs go to
 * stderr in `[logging]` level and format, a progress line is drawn during catch-up while stderr is
 * a terminal, and metrics are served at `[service] admin_endpoint` for the whole life of the process.
 *
 * Exit status: 0 when SIGINT or SIGTERM stopped it (the daemon's normal stop: the in-flight ledger
 * batch committed or never written, the lifecycle stopped between ops, databases closed, locks
 * released); 1 when it could not start or a failure restarting cannot fix stopped it (one line on
 * stderr saying what to do); 70 on a bug. A failed run that a restart may fix never exits: it is
 * logged and retried with backoff. docs/operations.md has the details.
 * @module
 */

import { parseConfigArgs } from "../config/config_args.ts";
import type { Config } from "../config/config.ts";
import { loadConfig } from "../config/load_config.ts";
import { runDaemon } from "../daemon/daemon.ts";
import { listenForShutdown } from "../daemon/shutdown_signals.ts";
import { classifyRunFailure } from "../daemon/supervisor.ts";
import { createLogger } from "../log/logger.ts";
import { type AdminServer, startAdminServer } from "../metrics/admin_server.ts";
import { createDaemonMetrics } from "../metrics/daemon_metrics.ts";
import { stderrStatusLine } from "../progress/status_line.ts";
import type { Command } from "./commands.ts";

/** Exit status of a daemon stopped by SIGINT or SIGTERM: its normal, clean stop. */
const EXIT_STOPPED = 0;

/** `fullhistory --config x.toml`: the daemon. Selected when the first argument is a flag. */
export const RUN_COMMAND: Command = {
  name: "run",
  summary: "Run the daemon (the default when the first argument is a flag)",
  usage: [
    "fullhistory [run] --config FILE [--section.key=VALUE ...]",
    "  Backfills the retention window from the lake, then follows the lake's tip ledger by ledger into",
    "  hot databases and, at every chunk boundary, freezes the finished chunk into cold files, rolls the",
    "  tx-hash index forward, discards hot databases and prunes what left the retention window.",
    "  A failed run is logged and restarted with backoff (1 s doubling to 30 s).",
    "  Exit status: 0 stopped by SIGINT/SIGTERM, 1 cannot start or cannot continue (the line says",
    "  what to do), 70 internal error. A second SIGINT/SIGTERM stops at once (as safe as kill -9).",
  ].join("\n"),
  async run(argv) {
    const { configPath, overrides } = parseConfigArgs(argv);
    return runUntilStopped(await loadConfig(configPath, { overrides }));
  },
};

async function runUntilStopped(config: Config): Promise<number> {
  const statusLine = stderrStatusLine();
  const logger = createLogger({ level: config.logging.level, format: config.logging.format, write: statusLine.writeLine });
  const metrics = createDaemonMetrics();
  const shutdown = listenForShutdown({ logger });
  let admin: AdminServer | undefined;
  try {
    if (config.service.adminEndpoint !== undefined) {
      admin = startAdminServer(config.service.adminEndpoint, { registry: metrics.registry });
      logger.info("serving metrics", { url: `${admin.url}/metrics` });
    }
    // Resolves only once a shutdown signal stopped it (the supervisor never returns otherwise).
    await runDaemon(config, { logger, metrics, statusLine, signal: shutdown.signal });
  } catch (err) {
    // A signal during the one-time start (e.g. while sampling the tip to pin "now") is a stop too;
    // after the start, the supervisor already told a stop from a failure. A bug always surfaces.
    if (!shutdown.signal.aborted || classifyRunFailure(err) === "bug") throw err;
  } finally {
    statusLine.clear();
    await admin?.stop();
    shutdown.dispose();
  }
  logger.info("daemon stopped: storage closed and roots unlocked", { exit_status: EXIT_STOPPED });
  return EXIT_STOPPED;
}

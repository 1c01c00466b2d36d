/**
 * `fullhistory check-config --config FILE [--section.key=VALUE ...]` (D3): load and validate the
 * config exactly as the daemon would, then print the resolved config as TOML and exit 0. TOML,
 * not JSON: the output is itself a complete config file (every default filled in, every root
 * absolute) that the operator can diff against theirs or run with. Touches no disk but the file.
 * @module
 */

import { configFlagNames, parseConfigArgs } from "../config/config_args.ts";
import { formatConfigToml } from "../config/config_toml.ts";
import { loadConfig } from "../config/load_config.ts";
import type { Command } from "./commands.ts";

export const CHECK_CONFIG_COMMAND: Command = {
  name: "check-config",
  summary: "Validate a config file and print the resolved config as TOML",
  usage: [
    "fullhistory check-config --config FILE [--section.key=VALUE ...]",
    "  Loads FILE as the daemon would, lays the flags over it (flag beats file beats default) and",
    "  prints the resolved config as TOML. Exit 0 when valid, 1 with one line on stderr when not.",
    "Config flags (one per key; docs/configuration.md says what each allows):",
    ...configFlagNames().map((flag) => `  ${flag}=VALUE`),
  ].join("\n"),
  async run(argv) {
    const { configPath, overrides } = parseConfigArgs(argv);
    const config = await loadConfig(configPath, { overrides });
    process.stdout.write(formatConfigToml(config));
    return 0;
  },
};

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { version } from "../package.json";
import { configFlagNames } from "../src/config/config_args.ts";
import { loadConfig, parseConfig } from "../src/config/load_config.ts";

// The real entry point as a child process (bun src/cli/main.ts), run from a scratch directory so
// relative paths and "nothing was created" are checked against a directory we own.
const REPO_ROOT = join(import.meta.dir, "..");
const MAIN = join(REPO_ROOT, "src", "cli", "main.ts");
const SAMPLE = join(REPO_ROOT, "docs", "fullhistory.sample.toml");

const VALID = `
[storage]
default_data_dir = "data"
[backfill.datastore]
type = "Filesystem"
params = { destination_path = "lake" }
[ingestion]
network_passphrase = "Test SDF Network ; September 2015"
`;

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

let scratchDir = "";
let validPath = "";

async function runCli(argv: readonly string[], options: { preload?: string } = {}): Promise<Run> {
  const preload = options.preload === undefined ? [] : ["--preload", options.preload];
  const child = Bun.spawn([process.execPath, ...preload, MAIN, ...argv], { cwd: scratchDir, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

/** Asserts `run` failed with exactly one stderr line and nothing on stdout; returns that line. */
function oneLineFailure(run: Run, exitCode: number): string {
  expect(run.exitCode).toBe(exitCode);
  expect(run.stdout).toBe("");
  expect(run.stderr.endsWith("\n")).toBe(true);
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  return run.stderr.trimEnd();
}

beforeAll(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), "fullhistory-cli-"));
  validPath = join(scratchDir, "valid.toml");
  await writeFile(validPath, VALID);
});

afterAll(async () => {
  await rm(scratchDir, { recursive: true, force: true });
});

describe("help and version", () => {
  test("--help lists every command and exits 0", async () => {
    const run = await runCli(["--help"]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("check-config");
    expect(run.stdout).toContain("--rocksdb-lib PATH");
  });

  test("--version prints the package.json version and exits 0", async () => {
    const run = await runCli(["--version"]);
    expect(run).toEqual({ exitCode: 0, stdout: `fullhistory ${version}\n`, stderr: "" });
  });

  test("no arguments prints the usage to stderr and exits 2", async () => {
    const run = await runCli([]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Usage:");
  });

  test("check-config --help lists one flag per config key and exits 0", async () => {
    const run = await runCli(["check-config", "--help"]);
    expect(run.exitCode).toBe(0);
    for (const flag of configFlagNames()) expect(run.stdout).toContain(`${flag}=VALUE`);
  });
});

describe("usage errors: one line, exit 2", () => {
  test("an unknown command", async () => {
    expect(oneLineFailure(await runCli(["frobnicate"]), 2)).toBe(
      'fullhistory: Unknown command "frobnicate": run fullhistory --help for the list of commands',
    );
  });

  test("an unknown config flag, with a suggestion", async () => {
    expect(oneLineFailure(await runCli(["check-config", "--config", validPath, "--backfill.wokers=2"]), 2)).toBe(
      "fullhistory: Unknown flag --backfill.wokers (did you mean --backfill.workers?)",
    );
  });

  test("check-config without --config", async () => {
    expect(oneLineFailure(await runCli(["check-config"]), 2)).toBe(
      "fullhistory: Missing --config: pass the path of your fullhistory.toml, e.g. --config fullhistory.toml",
    );
  });

  test("--rocksdb-lib without a path", async () => {
    expect(oneLineFailure(await runCli(["check-config", "--config", validPath, "--rocksdb-lib"]), 2)).toBe(
      "fullhistory: Flag --rocksdb-lib needs a value: --rocksdb-lib /path/to/librocksdb.so",
    );
  });

  test.each([
    [["inspect", "--foo", "x.xdr"], "fullhistory: inspect: Unknown option '--foo'"],
    [["synth-lake", "--bogus"], "fullhistory: synth-lake: Unknown option '--bogus'"],
    [["synth-lake", "--out"], "fullhistory: synth-lake: Option '--out <value>' argument missing"],
  ])("%p: a flag the command does not take is a usage error, not an internal one", async (argv, start) => {
    expect(oneLineFailure(await runCli(argv), 2)).toStartWith(start);
  });

  test("a stray positional argument", async () => {
    expect(oneLineFailure(await runCli(["check-config", "--config", validPath, "now"]), 2)).toStartWith(
      'fullhistory: Unexpected argument "now"',
    );
  });
});

describe("check-config", () => {
  test("prints the resolved config as TOML that loads back to the same config, and exits 0", async () => {
    const run = await runCli(["check-config", "--config", "valid.toml", "--logging.level=debug"]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    const expected = await loadConfig(validPath, {
      cwd: scratchDir,
      overrides: [{ path: ["logging", "level"], value: "debug", flag: "--logging.level" }],
    });
    expect(parseConfig(run.stdout, { configPath: "stdout", cwd: "/" })).toEqual(expected);
    expect(run.stdout).toContain(`default_data_dir = "${join(scratchDir, "data")}"`);
  });

  test("accepts the shipped docs/fullhistory.sample.toml", async () => {
    const run = await runCli(["check-config", "--config", SAMPLE]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('network_passphrase = "Public Global Stellar Network ; September 2015"');
  });

  test("a bad value in the file is one line naming key, value and what is allowed; exit 1; nothing created", async () => {
    const path = join(scratchDir, "zero-workers.toml");
    await writeFile(path, `${VALID}\n[backfill]\nworkers = 0\n`);
    expect(oneLineFailure(await runCli(["check-config", "--config", path]), 1)).toBe(
      "fullhistory: Invalid config: backfill.workers = 0: must be an integer ≥ 1 and ≤ 1024 (a zero pool deadlocks backfill)",
    );
    expect(await readdir(scratchDir)).not.toContain("data");
  });

  test("a bad flag value names the flag; exit 1", async () => {
    expect(oneLineFailure(await runCli(["check-config", "--config", validPath, "--retention.earliest_ledger", "12345"]), 1)).toBe(
      'fullhistory: Invalid config: retention.earliest_ledger = "12345" (from --retention.earliest_ledger): ' +
        'must be "genesis", "now" or a chunk-aligned ledger number ≥ 2 as a string, e.g. "30002" ' +
        '(12345 is not the first ledger of its chunk; use "10002" or "20002")',
    );
  });

  test("an unknown section is one line with a suggestion; exit 1", async () => {
    const path = join(scratchDir, "typo.toml");
    await writeFile(path, `${VALID}\n[retension]\nretention_chunks = 5\n`);
    expect(oneLineFailure(await runCli(["check-config", "--config", path]), 1)).toBe(
      "fullhistory: Invalid config: unknown section [retension] (did you mean [retention]?)",
    );
  });

  test("a datastore param the type does not take is one line naming it; exit 1; nothing created", async () => {
    const path = join(scratchDir, "s3-with-filesystem-params.toml");
    await writeFile(path, VALID.replace('type = "Filesystem"', 'type = "S3"'));
    expect(oneLineFailure(await runCli(["check-config", "--config", path]), 1)).toBe(
      'fullhistory: Invalid config: unknown [backfill.datastore.params] key "destination_path" for type "S3": ' +
        "allowed are destination_bucket_path, region, endpoint_url, access_key_id, secret_access_key",
    );
    expect(await readdir(scratchDir)).not.toContain("data");
  });

  test("a missing config file; exit 1", async () => {
    expect(oneLineFailure(await runCli(["check-config", "--config", "absent.toml"]), 1)).toBe(
      'fullhistory: Cannot read config "absent.toml": no such file; pass --config with the path of your fullhistory.toml',
    );
  });

  test("an unloadable --rocksdb-lib is one line naming the path; exit 1 (D13: no fallback)", async () => {
    const line = oneLineFailure(await runCli(["--rocksdb-lib", "/nonexistent/librocksdb.so", "check-config", "--config", validPath]), 1);
    expect(line).toStartWith('fullhistory: Cannot load librocksdb from --rocksdb-lib "/nonexistent/librocksdb.so"');
  });
});

describe("the daemon form", () => {
  test("--config whose lake does not exist fails the start with one line naming it and exits 1", async () => {
    expect(oneLineFailure(await runCli(["--config", validPath, "--logging.level=error"]), 1)).toBe(
      'fullhistory: Cannot open Filesystem datastore: destination_path "lake" does not exist; ' +
        "set [backfill.datastore.params] destination_path to the lake's root directory",
    );
  });

  test("--config missing a required datastore param fails before any storage root is created; exit 1", async () => {
    const path = join(scratchDir, "no-destination-path.toml");
    await writeFile(path, VALID.replace('default_data_dir = "data"', 'default_data_dir = "params-data"'));
    const run = await runCli(["--config", path, "--backfill.datastore.params.destination_path="]);
    expect(oneLineFailure(run, 1)).toBe(
      'fullhistory: Invalid config: missing [backfill.datastore.params] destination_path: type "Filesystem" requires it',
    );
    expect(await readdir(scratchDir)).not.toContain("params-data");
  });

  test("--config with a bad file reports the config error and exits 1", async () => {
    expect(oneLineFailure(await runCli(["--config", validPath, "--logging.format=xml"]), 1)).toBe(
      'fullhistory: Invalid config: logging.format = "xml" (from --logging.format): must be one of "text", "json"',
    );
  });
});

describe("output errors", () => {
  test("check-config whose stdout is a full disk fails with one line naming stdout and ENOSPC; exit 1", async () => {
    const child = Bun.spawn([process.execPath, MAIN, "check-config", "--config", validPath], {
      cwd: scratchDir,
      stdout: Bun.file("/dev/full"),
      stderr: "pipe",
    });
    const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    expect(stderr).toBe("fullhistory: Cannot write to stdout (ENOSPC); check where the output is redirected\n");
    expect(exitCode).toBe(1);
  });
});

describe("internal errors", () => {
  test("an unexpected error (a bug) prints its message and stack and exits 70", async () => {
    // A preload makes stdout throw a plain Error: no FullhistoryError, so the CLI must treat it as a bug.
    const preload = join(scratchDir, "throwing_stdout.ts");
    await writeFile(preload, 'process.stdout.write = () => { throw new Error("stdout exploded"); };\n');
    const run = await runCli(["check-config", "--config", validPath], { preload });
    expect(run.exitCode).toBe(70);
    expect(run.stderr).toStartWith("fullhistory: internal error (a bug, please report it): Error: stdout exploded\n");
    expect(run.stderr).toContain("    at ");
  });
});

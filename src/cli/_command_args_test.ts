import { describe, expect, test } from "bun:test";
import { UsageError } from "../errors.ts";
import { splitCommandArgs } from "./_command_args.ts";

const SPEC = { switches: ["json", "raw"], valueFlags: ["deep"] };

describe("splitCommandArgs()", () => {
  test("keeps a flag's value with the flag, so the positional after --config FILE stays positional", () => {
    const args = splitCommandArgs(["--config", "x.toml", "abcd", "--retention.retention_chunks", "3"], SPEC);
    expect(args.positionals).toEqual(["abcd"]);
    expect(args.configArgv).toEqual(["--config", "x.toml", "--retention.retention_chunks", "3"]);
  });

  test("takes switches and value flags in both spellings out of the config arguments", () => {
    const spaced = splitCommandArgs(["--json", "--deep", "4", "--config=x.toml"], SPEC);
    expect([...spaced.switches]).toEqual(["json"]);
    expect(spaced.values.get("deep")).toBe("4");
    expect(spaced.configArgv).toEqual(["--config=x.toml"]);
    expect(splitCommandArgs(["--deep=7"], SPEC).values.get("deep")).toBe("7");
  });

  test("leaves a positional after a switch alone (a switch takes no value)", () => {
    expect(splitCommandArgs(["--raw", "50002"], SPEC).positionals).toEqual(["50002"]);
  });

  test.each([
    [["--json", "--json"], "given twice"],
    [["--deep", "1", "--deep=2"], "given twice"],
    [["--deep"], "needs a value"],
    [["--deep", "--json"], "needs a value"],
    [["--deep="], "needs a value"],
    [["--json=yes"], "takes no value"],
  ])("rejects %p as a usage error (%s)", (argv, message) => {
    expect(() => splitCommandArgs(argv, SPEC)).toThrow(UsageError);
    expect(() => splitCommandArgs(argv, SPEC)).toThrow(message);
  });
});

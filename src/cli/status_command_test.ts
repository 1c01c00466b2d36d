import { describe, expect, test } from "bun:test";
import { formatBytes } from "./status_command.ts";

describe("formatBytes()", () => {
  test.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [13.8 * 2 ** 20, "13.8 MiB"],
    [3 * 2 ** 40, "3.0 TiB"],
    [2 ** 60, "1024.0 PiB"],
  ])("formats %p bytes as %p", (byteCount, text) => {
    expect(formatBytes(byteCount)).toBe(text);
  });
});

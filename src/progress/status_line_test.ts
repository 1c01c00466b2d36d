import { describe, expect, test } from "bun:test";
import { createStatusLine } from "./status_line.ts";

const ERASE = "\r\u001b[2K";

function terminal(options: { isTTY: boolean; columns?: number }) {
  const writes: string[] = [];
  const statusLine = createStatusLine({ isTTY: options.isTTY, columns: options.columns, write: (text) => writes.push(text) });
  return { writes, statusLine };
}

describe("createStatusLine() on a terminal", () => {
  test("a log line erases the status line, is written, and the status is redrawn below it", () => {
    const { writes, statusLine } = terminal({ isTTY: true, columns: 80 });
    statusLine.show("chunks 1/3");
    statusLine.writeLine("INFO pass starting\n");
    expect(writes).toEqual([`${ERASE}chunks 1/3`, `${ERASE}INFO pass starting\n`, `${ERASE}chunks 1/3`]);
  });

  test("an unchanged status is not redrawn and a long one is cut to the width minus one", () => {
    const { writes, statusLine } = terminal({ isTTY: true, columns: 6 });
    statusLine.show("abcdefgh");
    statusLine.show("abcdefgh");
    expect(writes).toEqual([`${ERASE}abcde`]);
  });

  test("a terminal reporting 0 columns gets the default width of 80", () => {
    const { writes, statusLine } = terminal({ isTTY: true, columns: 0 });
    statusLine.show("x".repeat(100));
    expect(writes).toEqual([`${ERASE}${"x".repeat(79)}`]);
  });

  test("clear() erases once, and log lines then pass straight through", () => {
    const { writes, statusLine } = terminal({ isTTY: true, columns: 80 });
    statusLine.show("x");
    statusLine.clear();
    statusLine.clear();
    statusLine.writeLine("line\n");
    expect(writes).toEqual([`${ERASE}x`, ERASE, "line\n"]);
  });
});

describe("createStatusLine() off a terminal", () => {
  test("never draws a status and writes log lines unchanged", () => {
    const { writes, statusLine } = terminal({ isTTY: false });
    statusLine.show("chunks 1/3");
    statusLine.writeLine("line\n");
    statusLine.clear();
    expect(writes).toEqual(["line\n"]);
    expect(statusLine.interactive).toBe(false);
  });
});

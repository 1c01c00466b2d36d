/**
 * One redrawable status line at the bottom of a terminal, shared with log lines: a log line first
 * erases the status line, is written, and the status line is drawn again under it, so logs scroll
 * above the progress and never get mixed into it. Writes are synchronous (the same fd the logger
 * uses, in order). On a stream that is not a terminal the status line is never drawn and log lines
 * pass straight through.
 * @module
 */

import { writeSync } from "node:fs";

/** Carriage return + "erase whole line" (ECMA-48 EL 2). */
const ERASE_LINE = "\r\u001b[2K";
/** Width assumed when the terminal does not say. */
const COLUMNS_DEFAULT = 80;

/** Where the status line is drawn. */
export interface StatusLineTarget {
  readonly isTTY: boolean;
  /** Terminal width in characters, when known (0 = unknown). */
  readonly columns: number | undefined;
  write(text: string): void;
}

export interface StatusLine {
  /** True when the status line is drawn at all (a terminal). */
  readonly interactive: boolean;
  /** Writes one whole log line (ending in "\n") above the status line. */
  writeLine(line: string): void;
  /** Replaces the status text (truncated to the terminal width). */
  show(text: string): void;
  /** Erases the status line; `show` draws it again. */
  clear(): void;
}

/** The status line on stderr (fd 2), as the logger writes. */
export function stderrStatusLine(): StatusLine {
  return createStatusLine({
    isTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    write: (text) => writeSync(2, text),
  });
}

/** A status line over `target`. */
export function createStatusLine(target: StatusLineTarget): StatusLine {
  let shown = "";
  const draw = (): void => {
    if (shown !== "") target.write(`${ERASE_LINE}${shown}`);
  };
  return {
    interactive: target.isTTY,
    writeLine(line) {
      if (!target.isTTY || shown === "") {
        target.write(line);
        return;
      }
      target.write(`${ERASE_LINE}${line}`);
      draw();
    },
    show(text) {
      if (!target.isTTY) return;
      // A pseudo-terminal without a size reports 0 columns; the last column would wrap.
      const columns = target.columns === undefined || target.columns < 2 ? COLUMNS_DEFAULT : target.columns;
      const widthMax = columns - 1;
      const fitted = text.length > widthMax ? text.slice(0, widthMax) : text;
      if (fitted === shown) return;
      shown = fitted;
      target.write(`${ERASE_LINE}${shown}`);
    },
    clear() {
      if (shown === "") return;
      shown = "";
      target.write(ERASE_LINE);
    },
  };
}

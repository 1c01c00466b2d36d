/**
 * The daemon's structured logger (reference §10.3; `[logging] level` and `format`, D3). One line per
 * event on stderr (or the `write` sink given, e.g. the progress line's, which clears its status
 * line first):
 *
 *   text: `2026-07-01T12:00:00.000Z INFO catch-up pass starting range_lo=00000000 tip=30001`
 *   json: `{"time":"2026-07-01T12:00:00.000Z","level":"info","msg":"catch-up pass starting","range_lo":"00000000","tip":30001}`
 *
 * Field keys are snake_case words (an operator greps them); values are strings, numbers, booleans,
 * bigints or errors (rendered as the message chain `outer: cause: cause`, never a stack: expected
 * failures carry everything in their messages, R9). Fields whose value is `undefined` are left out.
 * A logger writes whole lines synchronously through its sink, so lines from concurrent callers never
 * interleave.
 * @module
 */

import { writeSync } from "node:fs";
import { assert } from "../assert.ts";
import type { LogFormat, LogLevel } from "../config/config.ts";

/** One field value; `undefined` omits the field. */
export type LogValue = string | number | bigint | boolean | Error | undefined;

/** Structured fields of one line, `snake_case` keys. */
export type LogFields = Readonly<Record<string, LogValue>>;

/** Where whole lines go (each ends with "\n"). */
export type LogSink = (line: string) => void;

/** A leveled logger; `child` adds fields to every line it writes. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Lines below this level are dropped. */
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Receives each line; default: synchronous write to stderr (fd 2). */
  readonly write?: LogSink;
  /** The clock stamped on each line; default `Date.now`. Tests pin it. */
  readonly nowMs?: () => number;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Keys the json format writes itself; a field may not reuse them. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(["time", "level", "msg"]);

const FIELD_KEY_RE = /^[a-z][a-z0-9_]*$/;

/** Text values printed without quotes: no spaces, quotes, `=` or control characters. */
const BARE_TEXT_RE = /^[A-Za-z0-9_.,:/@+\-[\]()]+$/;

/** Causes followed when rendering an error (a cycle or a deep chain stops here). */
const ERROR_CAUSES_MAX = 8;

/** A logger at `options.level` in `options.format`. */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.write ?? writeStderr;
  const nowMs = options.nowMs ?? Date.now;
  const core: LoggerCore = { sink, nowMs, level: options.level, format: options.format, stamp: { ms: Number.NaN, text: "" } };
  return loggerWith(core, { keys: new Set(), rendered: "" });
}

/** A logger that drops every line (for callers that take a logger but run where none is wanted). */
export function silentLogger(): Logger {
  return createLogger({ level: "error", format: "text", write: () => {} });
}

/** A duration field's value: seconds, rounded to the millisecond (`duration_s=12.345`). */
export function secondsOf(durationMs: number): number {
  return Math.round(durationMs) / 1000;
}

/** The one-line rendering of an error and its `cause` chain: `outer: cause: cause`. */
export function errorChainText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth <= ERROR_CAUSES_MAX && current !== undefined; depth++) {
    const text = current instanceof Error ? current.message : String(current);
    // A wrapper that already quotes its cause's message would print it twice.
    if (parts.length === 0 || !parts[parts.length - 1]!.includes(text)) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

interface LoggerCore {
  readonly sink: LogSink;
  readonly nowMs: () => number;
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** The last stamp rendered: lines within one millisecond share it. */
  stamp: { ms: number; text: string };
}

/** Fields bound by `child`, rendered once: ` k=v ...` (text) or `,"k":v...` (json). */
interface BoundFields {
  readonly keys: ReadonlySet<string>;
  readonly rendered: string;
}

function loggerWith(core: LoggerCore, bound: BoundFields): Logger {
  const log = (level: LogLevel, message: string, fields: LogFields | undefined): void => {
    if (LEVEL_RANK[level] < LEVEL_RANK[core.level]) return;
    const timeText = stampText(core);
    const callFields = fields === undefined ? "" : renderFields(core.format, fields, bound.keys);
    const line =
      core.format === "json"
        ? `{"time":"${timeText}","level":"${level}","msg":${JSON.stringify(message)}${bound.rendered}${callFields}}\n`
        : `${timeText} ${level.toUpperCase()} ${oneLine(message)}${bound.rendered}${callFields}\n`;
    core.sink(line);
  };
  return {
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
    child: (fields) => {
      const keys = new Set(bound.keys);
      for (const key in fields) keys.add(key);
      return loggerWith(core, { keys, rendered: bound.rendered + renderFields(core.format, fields, bound.keys) });
    },
  };
}

function stampText(core: LoggerCore): string {
  const ms = core.nowMs();
  if (ms !== core.stamp.ms) core.stamp = { ms, text: new Date(ms).toISOString() };
  return core.stamp.text;
}

/** Renders `fields` in `format`, each key checked once (snake_case, not reserved, not already bound). */
function renderFields(format: LogFormat, fields: LogFields, boundKeys: ReadonlySet<string>): string {
  let rendered = "";
  for (const key in fields) {
    checkKey(key);
    assert(!boundKeys.has(key), `log field key "${key}" is already bound by child()`);
    const value = fields[key];
    if (value === undefined) continue;
    // Keys are snake_case (checked), so they need no quoting or escaping in either format.
    rendered += format === "json" ? `,"${key}":${JSON.stringify(jsonValue(value))}` : ` ${key}=${textValue(value)}`;
  }
  return rendered;
}

/** Keys already checked; call sites use a few dozen constant keys, the bound keeps a bug from growing it. */
const checkedKeys = new Set<string>();
const CHECKED_KEYS_MAX = 1024;

function checkKey(key: string): void {
  if (checkedKeys.has(key)) return;
  assert(FIELD_KEY_RE.test(key), `log field key "${key}" is not snake_case`);
  assert(!RESERVED_KEYS.has(key), `log field key "${key}" is reserved by the json format`);
  if (checkedKeys.size < CHECKED_KEYS_MAX) checkedKeys.add(key);
}

function textValue(value: Exclude<LogValue, undefined>): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  const text = value instanceof Error ? errorChainText(value) : value;
  return BARE_TEXT_RE.test(text) ? text : JSON.stringify(text);
}

function jsonValue(value: Exclude<LogValue, undefined>): string | number | boolean {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return errorChainText(value);
  return value;
}

/** A message is one line: a stray newline would split a log event in two for line-based tools. */
function oneLine(message: string): string {
  return message.includes("\n") ? message.replaceAll("\n", "\\n") : message;
}

function writeStderr(line: string): void {
  writeSync(2, line);
}

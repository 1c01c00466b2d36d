/**
 * The libc primitives the daemon's durability and locking rest on: non-blocking exclusive `flock`
 * (D4, reference §4.5) and the fsync helpers of reference §5.1. Only `flock` needs FFI
 * (bun-ffi.md §5.3); fsync goes through `node:fs`, whose fds are real kernel fds with O_CLOEXEC.
 * Every failure is a `SystemCallError` naming the call, the path (or fd) and the errno name, with
 * `code` set so `errnoCode(err)` (src/errors.ts) works on it like on a Node error.
 * @module
 */

import { closeSync, constants, fsyncSync, openSync } from "node:fs";
import { getSystemErrorMap } from "node:util";
import { assert } from "../src/assert.ts";
import { FullhistoryError, errnoCode } from "../src/errors.ts";
import { LIBC, LOCK_EX, LOCK_NB, LOCK_UN, lastErrno } from "./_libc.ts";

const ERRNO_EWOULDBLOCK = 11; // == EAGAIN on Linux: the lock is held through another open file description
const ERRNO_EINTR = 4;
// A signal storm long enough to interrupt flock this often is a broken environment, not a lock.
const FLOCK_EINTR_RETRIES_MAX = 1000;

/** A failed system call: `code` is the errno name ("EACCES"), `syscall` the call, `target` the path or fd. */
export class SystemCallError extends FullhistoryError {
  override name = "SystemCallError";
  readonly code: string;
  readonly syscall: string;
  readonly target: string;

  constructor(fields: { syscall: string; target: string; code: string; description: string }, options?: { cause?: unknown }) {
    super(`Cannot ${fields.syscall} ${fields.target}: ${fields.code} (${fields.description})`, options);
    this.code = fields.code;
    this.syscall = fields.syscall;
    this.target = fields.target;
  }
}

/**
 * `flock(fd, LOCK_EX | LOCK_NB)`: true when this open file description now holds the lock, false
 * when another one holds it (EWOULDBLOCK). Retries EINTR; throws `SystemCallError` otherwise.
 */
export function tryFlockExclusive(fd: number): boolean {
  for (let attempt = 0; attempt < FLOCK_EINTR_RETRIES_MAX; attempt++) {
    if (LIBC.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
    const errno = lastErrno(); // read before anything else can touch errno (bun-ffi.md §5.2)
    if (errno === ERRNO_EWOULDBLOCK) return false;
    if (errno !== ERRNO_EINTR) throw errnoError(errno, { syscall: "flock", target: `fd ${fd}` });
  }
  throw errnoError(ERRNO_EINTR, { syscall: "flock", target: `fd ${fd} after ${FLOCK_EINTR_RETRIES_MAX} interrupted attempts` });
}

/** `flock(fd, LOCK_UN)`. Retries EINTR; throws `SystemCallError` otherwise (EBADF for a closed fd). */
export function unlockFlock(fd: number): void {
  for (let attempt = 0; attempt < FLOCK_EINTR_RETRIES_MAX; attempt++) {
    if (LIBC.flock(fd, LOCK_UN) === 0) return;
    const errno = lastErrno();
    if (errno !== ERRNO_EINTR) throw errnoError(errno, { syscall: "unlock (flock LOCK_UN)", target: `fd ${fd}` });
  }
  throw errnoError(ERRNO_EINTR, { syscall: "unlock (flock LOCK_UN)", target: `fd ${fd} after ${FLOCK_EINTR_RETRIES_MAX} interrupted attempts` });
}

/** `<sys/resource.h>`: the nice value of one process — on Linux, of one thread (NPTL). */
const PRIO_PROCESS = 0;
const CALLING_THREAD = 0;
/** The weakest nice value; more is refused by the kernel (clamped), less needs privilege. */
const NICE_MAX = 19;

/**
 * Raises the calling thread's nice value by `increment` (capped at 19) and returns the new value.
 * Only this thread: Linux keeps the nice value per thread, and `who` = 0 names the caller. A
 * background Worker calls it so that a thread it serves (the hot DB's committer) wins the core
 * whenever both are runnable (docs/ingestion.md). Raising needs no privilege.
 */
export function lowerCallingThreadPriority(increment: number): number {
  assert(Number.isInteger(increment) && increment > 0, `nice increment ${increment} is not a positive integer`);
  const target = Math.min(NICE_MAX, currentNice() + increment);
  if (LIBC.setpriority(PRIO_PROCESS, CALLING_THREAD, target) !== 0) {
    throw errnoError(lastErrno(), { syscall: "setpriority", target: `the calling thread (nice ${target})` });
  }
  return target;
}

/**
 * The calling thread's nice value. getpriority fails only for a bad `which` or a missing process
 * (EINVAL, ESRCH), neither possible for the caller, so its -1 is the nice value -1.
 */
function currentNice(): number {
  const nice = LIBC.getpriority(PRIO_PROCESS, CALLING_THREAD);
  assert(nice >= -20 && nice <= NICE_MAX, `getpriority() returned ${nice}, not a nice value`);
  return nice;
}

/** Open `path`, fsync it, close it (reference §5.1 fsyncFile). The fsync error wins over a close error. */
export function fsyncPath(path: string): void {
  const fd = openForSync(path, constants.O_RDONLY);
  syncThenClose(fd, path);
}

/**
 * Fsync directory `dir` so the entries created or removed in it are durable (reference §5.1
 * FsyncDir). A missing directory is not an error: there is no entry of it to persist.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return; // reference §5.1: nothing to persist
    throw nodeError(err, { syscall: "open directory", path: dir });
  }
  syncThenClose(fd, dir);
}

function openForSync(path: string, flags: number): number {
  try {
    return openSync(path, flags);
  } catch (err) {
    throw nodeError(err, { syscall: "open", path });
  }
}

function syncThenClose(fd: number, path: string): void {
  let fsyncFailure: unknown = undefined;
  try {
    fsyncSync(fd);
  } catch (err) {
    fsyncFailure = err;
  }
  try {
    closeSync(fd);
  } catch (err) {
    // Reference §5.1: the fsync error is the one that matters (the data may not be durable); a
    // close error after a failed fsync adds nothing the operator can act on.
    if (fsyncFailure === undefined) throw nodeError(err, { syscall: "close", path });
  }
  if (fsyncFailure !== undefined) throw nodeError(fsyncFailure, { syscall: "fsync", path });
}

/** Wraps a Node system error; anything that is not one (a bug) is rethrown untouched. */
function nodeError(err: unknown, context: { syscall: string; path: string }): unknown {
  const code = errnoCode(err);
  if (code === undefined) return err;
  const errno = (err as { errno?: unknown }).errno;
  if (typeof errno !== "number") return err;
  return new SystemCallError(
    { syscall: context.syscall, target: `"${context.path}"`, code, description: errnoDescription(Math.abs(errno)) },
    { cause: err },
  );
}

function errnoError(errno: number, context: { syscall: string; target: string }): SystemCallError {
  return new SystemCallError({ ...context, code: errnoName(errno), description: errnoDescription(errno) });
}

/** "EAGAIN" for 11; "errno 4242" for a number libuv does not know. */
function errnoName(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[0] ?? `errno ${errno}`;
}

function errnoDescription(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[1] ?? "unknown error";
}

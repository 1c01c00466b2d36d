/**
 * The libc symbols `ffi/` needs, in one `dlopen` table (bun-ffi.md §2.1, §5.2): `flock` and errno
 * for root locks (D4), `getpriority`/`setpriority` for a Worker thread's nice value, `memcpy` to
 * copy RocksDB's buffers out (bun-ffi.md §4), and the dynamic loader (`dlopen`/`dlerror`/`dlinfo`/`dlclose`) so `_shared_library.ts` can probe a library with
 * glibc's own search and error text instead of Bun's cwd fallback (bun-ffi.md §2.1). Private to
 * `ffi/`.
 * @module
 */

import { CString, type Pointer, dlopen, read } from "bun:ffi";
import { assert } from "../src/assert.ts";

// "libc.so.6" is already mapped into every glibc process (Bun links it), so ld.so resolves the
// soname from the loaded set and Bun's cwd fallback (bun-ffi.md §2.1) can never be reached.
const LIBC_SONAME = "libc.so.6";

const libc = dlopen(LIBC_SONAME, {
  flock: { args: ["i32", "i32"], returns: "i32" },
  // Linux keeps the nice value per thread (NPTL): `who` = 0 with PRIO_PROCESS is the calling thread.
  getpriority: { args: ["i32", "u32"], returns: "i32" },
  setpriority: { args: ["i32", "u32", "i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
  memcpy: { args: ["ptr", "ptr", "usize"], returns: "ptr" },
  // glibc ≥ 2.34 exports the dl* functions from libc.so.6 itself (bun-ffi.md §1: glibc 2.36).
  dlopen: { args: ["ptr", "i32"], returns: "ptr" },
  dlerror: { args: [], returns: "ptr" },
  dlinfo: { args: ["ptr", "i32", "ptr"], returns: "i32" },
  dlclose: { args: ["ptr"], returns: "i32" },
});

/** The raw libc functions; callers read errno with `lastErrno()` right after a failing call. */
export const LIBC = libc.symbols;

/** `<sys/file.h>` operation bits (identical on every Linux architecture). */
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** `<dlfcn.h>`: resolve every symbol at load, keep the library's symbols out of the global scope. */
export const RTLD_NOW = 2;
/** `dlinfo` request for the `struct link_map*` of a handle. */
export const RTLD_DI_LINKMAP = 2;
/** `struct link_map { ElfW(Addr) l_addr; char* l_name; ... }`: `l_name` follows one pointer. */
const LINK_MAP_NAME_BYTE_OFFSET = 8;

// errno is thread-local; its address is stable for the life of the thread (bun-ffi.md §5.2), and
// every Worker loads this module again, so caching the main thread's address here is correct.
const errnoAddress = pointerOrNull(LIBC.__errno_location());
assert(errnoAddress !== null, "__errno_location() returned NULL");
const ERRNO_ADDRESS: Pointer = errnoAddress;

/** errno as left by the last libc call on this thread. Read it immediately after the call. */
export function lastErrno(): number {
  return read.i32(ERRNO_ADDRESS, 0);
}

/** A `"ptr"` return value as a Pointer or null (bun-types also admits bigint, which x86_64/aarch64
 * user-space addresses never need: they are below 2^53, bun-ffi.md §2.2). */
export function pointerOrNull(value: Pointer | bigint | null): Pointer | null {
  assert(typeof value !== "bigint", "FFI returned a pointer as bigint");
  return value;
}

/** A `"ptr"` return value that must not be NULL (an allocation or a constructor). */
export function nonNullPointer(value: Pointer | bigint | null, what: string): Pointer {
  const pointer = pointerOrNull(value);
  assert(pointer !== null, `${what} returned NULL`);
  return pointer;
}

/** The text of the last `dlopen`/`dlsym` failure on this thread, or a placeholder if none. */
export function lastDlError(): string {
  const message = pointerOrNull(LIBC.dlerror());
  if (message === null) return "unknown dlopen error";
  return new CString(message).toString();
}

/** The path ld.so actually mapped for a `dlopen` handle (`link_map.l_name`). */
export function loadedPathOf(handle: Pointer): string {
  const linkMapCell = new BigUint64Array(1);
  const rc = LIBC.dlinfo(handle, RTLD_DI_LINKMAP, linkMapCell);
  assert(rc === 0, `dlinfo(RTLD_DI_LINKMAP) failed: ${lastDlError()}`);
  const linkMap = Number(linkMapCell[0]) as Pointer;
  const name = read.ptr(linkMap, LINK_MAP_NAME_BYTE_OFFSET) as Pointer;
  return new CString(name).toString();
}

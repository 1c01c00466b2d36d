/**
 * Loads the first shared library of a candidate list that opens and exports every symbol
 * (D13). Each candidate is first probed with glibc's own `dlopen` so that
 *   - a soname is resolved exactly like ld.so does (LD_LIBRARY_PATH, ld.so.cache, system dirs),
 *     and never relative to the cwd: Bun's `dlopen` retries a failed bare name as `cwd/name` and
 *     then reports only that retry, hiding the real reason (bun-ffi.md §2.1);
 *   - the reported error is glibc's `dlerror()` text ("file too short", "invalid ELF header").
 * Bun then opens the absolute path ld.so mapped (`link_map.l_name`), so it never searches.
 * @module
 */

import { type FFIFunction, type Library, dlopen } from "bun:ffi";
import { LIBC, RTLD_NOW, lastDlError, loadedPathOf, pointerOrNull } from "./_libc.ts";

/** One failed candidate and glibc's (or Bun's, for a missing symbol) reason, which names the file. */
export interface LibraryAttempt {
  readonly candidate: string;
  readonly reason: string;
}

export type LibraryOpenResult<Symbols extends Record<string, FFIFunction>> =
  | { readonly ok: true; readonly libraryPath: string; readonly library: Library<Symbols>; readonly attempts: readonly LibraryAttempt[] }
  | { readonly ok: false; readonly attempts: readonly LibraryAttempt[] };

/** Tries `candidates` in order; stops at the first that loads with all `symbols`. */
export function openFirstLibrary<Symbols extends Record<string, FFIFunction>>(
  candidates: readonly string[],
  symbols: Symbols,
): LibraryOpenResult<Symbols> {
  const attempts: LibraryAttempt[] = [];
  for (const candidate of candidates) {
    const probe = pointerOrNull(LIBC.dlopen(Buffer.from(`${candidate}\0`), RTLD_NOW));
    if (probe === null) {
      attempts.push({ candidate, reason: lastDlError() });
      continue;
    }
    const libraryPath = loadedPathOf(probe);
    try {
      const library = dlopen(libraryPath, symbols);
      return { ok: true, libraryPath, library, attempts };
    } catch (err) {
      // Bun throws when a symbol is missing (e.g. a librocksdb too old for our table): record it
      // as this candidate's reason and try the next one; the caller reports every attempt.
      attempts.push({ candidate, reason: err instanceof Error ? err.message : String(err) });
    } finally {
      // Bun holds its own reference when it succeeded; the probe's reference is no longer needed.
      LIBC.dlclose(probe);
    }
  }
  return { ok: false, attempts };
}

/**
 * Helpers shared by the src/formats tests only: hex literals and a per-test temp directory.
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `bytesOf("53 4c 43 48")` → the 4 bytes; whitespace is ignored. */
export function bytesOf(hex: string): Uint8Array {
  const digits = hex.replace(/\s+/g, "");
  if (digits.length % 2 !== 0) throw new Error(`odd hex digit count in "${hex}"`);
  return Uint8Array.from(Buffer.from(digits, "hex"));
}

/** Space-separated lowercase hex, for readable expectations. */
export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(" ");
}

/** A fresh temp directory; call `remove()` in afterEach. */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `fullhistory-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (xorshift32) so tests need no fixtures. */
export function pseudoRandomBytes(byteCount: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(byteCount);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < byteCount; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

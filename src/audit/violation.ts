/**
 * One broken invariant found by `audit` (D15; reference Appendix C), as one line an operator can
 * act on and a test can match:
 *
 *   INV-3 chunk:00000005:ledgers /data/ledgers/00000/00000005.pack: frozen but the file is missing
 *   INV-3 /data/ledgers/00000/notes.txt: stray file: no catalog key could name it
 *
 * INV-1 read correctness (a frozen file fails its checksums, or differs from its re-derivation),
 * INV-2 single canonical state, INV-3 disk matches catalog, INV-4 retention bound.
 * @module
 */

export const INVARIANTS = ["INV-1", "INV-2", "INV-3", "INV-4"] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  readonly invariant: Invariant;
  /** The catalog key involved, when there is one. */
  readonly key?: string | undefined;
  /** The file or directory involved, when there is one. */
  readonly path?: string | undefined;
  /** What is wrong, in words. */
  readonly detail: string;
}

/** `INV-n [key] [path]: detail`. */
export function formatViolation(violation: Violation): string {
  const subject = [violation.invariant, violation.key, violation.path].filter((part) => part !== undefined).join(" ");
  return `${subject}: ${violation.detail}`;
}

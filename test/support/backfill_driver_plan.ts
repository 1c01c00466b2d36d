/**
 * What test/support/backfill_driver.ts runs, shared with the crash test that judges it.
 * @module
 */

/** Windows of two chunks: chunk 1 closes window 0, so its coverage is terminal. */
export const BACKFILL_DRIVER_CHUNKS_PER_WINDOW = 2;
/** The chunks the driver's lake must hold. */
export const BACKFILL_DRIVER_LAKE_CHUNKS = 3;
/** The driver's passes, [rangeStart, rangeEnd] each, in order. */
export const BACKFILL_DRIVER_PASSES: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 2],
];

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogOpenError } from "../catalog/catalog.ts";
import { earliestLedger, pinEarliestLedger } from "../catalog/earliest_ledger.ts";
import type { StorageConfig } from "../config/config.ts";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { type StorageRoots, STORAGE_ROOT_NAMES } from "../geometry/layout.ts";
import { RootLockedError } from "../lock/root_locks.ts";
import { openStorage } from "./storage.ts";

let dataDir: string;
let config: StorageConfig;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "fullhistory-storage-"));
  const roots = Object.fromEntries(STORAGE_ROOT_NAMES.map((name) => [name, join(dataDir, name)])) as Record<string, string>;
  config = { defaultDataDir: dataDir, roots: roots as StorageRoots };
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe("openStorage()", () => {
  test("locks the roots and opens a writable catalog that survives close and reopen", () => {
    const storage = openStorage(config);
    expect(storage.locks.roots).toEqual(STORAGE_ROOT_NAMES.map((name) => config.roots[name]));
    pinEarliestLedger(storage.catalog, 30_002 as LedgerSeq);
    storage.close();
    storage.close();
    const reopened = openStorage(config);
    expect(earliestLedger(reopened.catalog)).toBe(30_002 as LedgerSeq);
    reopened.close();
  });

  test("a second open while the first holds the roots fails fast naming the catalog root", () => {
    const storage = openStorage(config);
    try {
      expect(() => openStorage(config)).toThrow(RootLockedError);
      expect(() => openStorage(config)).toThrow(`"${config.roots.catalog}"`);
    } finally {
      storage.close();
    }
  });

  test("a catalog that will not open releases every lock it took", () => {
    openStorage(config).close();
    writeFileSync(join(config.roots.catalog, "CURRENT"), "MANIFEST-999999\n");
    expect(() => openStorage(config)).toThrow(CatalogOpenError);
    rmSync(join(config.roots.catalog), { recursive: true });
    openStorage(config).close(); // would be RootLockedError if the failed open had kept a lock
  });
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageWalkError } from "../storage_walk/walk_storage_root.ts";
import { type Layout } from "../geometry/layout.ts";
import { fixtureLayout } from "../../test/support/catalog_fixture.ts";
import { coldTierBytes } from "./cold_tier_bytes.ts";

let dataDir: string;
let layout: Layout;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "fullhistory-cold-bytes-"));
  layout = fixtureLayout(dataDir, { chunksPerWindow: 4 });
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function writeBytes(path: string, byteCount: number): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, new Uint8Array(byteCount));
}

describe("coldTierBytes()", () => {
  test("coldTierBytes() sums the files of the four cold roots and ignores the hot root and the catalog", async () => {
    writeBytes(join(layout.roots.ledgers, "00000", "00000000.pack"), 1000);
    writeBytes(join(layout.roots.events, "00000", "00000000-events.pack"), 200);
    writeBytes(join(layout.roots.events, "00000", "00000000-index.hash"), 30);
    writeBytes(join(layout.roots.txhashRaw, "00000", "00000001.bin"), 4);
    writeBytes(join(layout.roots.txhashIndex, "00000000", "00000000-00000003.idx"), 50_000);
    writeBytes(join(layout.roots.hot, "00000004", "000005.sst"), 7_000_000);
    writeBytes(join(layout.roots.catalog, "000003.log"), 9_000_000);
    expect(await coldTierBytes(layout)).toBe(1000 + 200 + 30 + 4 + 50_000);
  });

  test("coldTierBytes() counts a missing cold root as 0 and an empty store as 0", async () => {
    expect(await coldTierBytes(layout)).toBe(0);
    writeBytes(join(layout.roots.ledgers, "00000", "00000000.pack"), 123);
    rmSync(layout.roots.events, { recursive: true });
    rmSync(layout.roots.txhashIndex, { recursive: true });
    expect(await coldTierBytes(layout)).toBe(123);
  });

  test("coldTierBytes() fails with StorageWalkError when a cold root is not a directory", async () => {
    rmSync(layout.roots.txhashRaw, { recursive: true });
    writeFileSync(layout.roots.txhashRaw, "not a directory");
    await expect(coldTierBytes(layout)).rejects.toThrow(StorageWalkError);
  });
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type CatalogFixture, openCatalogFixture, removeCatalogFixture } from "../../test/support/catalog_fixture.ts";
import { get } from "../../ffi/rocksdb.ts";
import { earliestLedger, pinEarliestLedger } from "../catalog/earliest_ledger.ts";
import { type EarliestLedger } from "../config/earliest_ledger.ts";
import { type LedgerSeq } from "../geometry/chunk.ts";
import { EARLIEST_LEDGER_KEY } from "../geometry/keys.ts";
import { LakeConfigError, LakeNotReadyError, LakeUnavailableError } from "../lake/lake_errors.ts";
import { type TipSampler, TipUnavailableError } from "./network_tip.ts";
import { EarliestLedgerError, validateConfig } from "./validate_config.ts";

const GENESIS: EarliestLedger = { kind: "genesis" };
const NOW: EarliestLedger = { kind: "now" };
function ledger(ledgerSeq: number): EarliestLedger {
  return { kind: "ledger", ledgerSeq: ledgerSeq as LedgerSeq };
}

/** A tip that counts how often it was asked. */
function tipAt(ledgerSeq: number): TipSampler & { calls: number } {
  const sampler = Object.assign(async () => {
    sampler.calls += 1;
    return ledgerSeq as LedgerSeq;
  }, { calls: 0 });
  return sampler;
}

function tipDown(): TipSampler & { calls: number } {
  const sampler = Object.assign(async () => {
    sampler.calls += 1;
    throw new LakeUnavailableError("Network tip of Filesystem lake \"/nowhere\" unavailable after 5 attempts: ENOENT");
  }, { calls: 0 });
  return sampler;
}

let fixture: CatalogFixture;
beforeEach(() => {
  fixture = openCatalogFixture();
});
afterEach(() => {
  removeCatalogFixture(fixture);
});

function run(configured: EarliestLedger, sampleTip: TipSampler) {
  return validateConfig({ catalog: fixture.catalog, sampleTip, signal: new AbortController().signal }, configured);
}

function pinBytes(): Uint8Array | undefined {
  return get(fixture.catalog.db, new TextEncoder().encode(EARLIEST_LEDGER_KEY));
}

describe("validateConfig() first start", () => {
  test("genesis pins 2 without sampling the tip, even with the lake down", async () => {
    const tip = tipDown();
    expect(await run(GENESIS, tip)).toEqual({ earliestLedgerSeq: 2 as LedgerSeq, pinnedNow: true });
    expect(tip.calls).toBe(0);
    expect(earliestLedger(fixture.catalog)).toBe(2 as LedgerSeq);
  });

  test("now pins the first ledger of the tip's chunk", async () => {
    expect((await run(NOW, tipAt(50_002 + 1234))).earliestLedgerSeq).toBe(50_002 as LedgerSeq);
    expect(earliestLedger(fixture.catalog)).toBe(50_002 as LedgerSeq);
  });

  test("a numeric floor inside the tip's chunk range is pinned as given", async () => {
    expect((await run(ledger(30_002), tipAt(100_005))).earliestLedgerSeq).toBe(30_002 as LedgerSeq);
    expect(earliestLedger(fixture.catalog)).toBe(30_002 as LedgerSeq);
  });

  test("a numeric floor equal to the tip is accepted", async () => {
    expect((await run(ledger(50_002), tipAt(50_002))).earliestLedgerSeq).toBe(50_002 as LedgerSeq);
  });

  test("now with the lake down fails, naming the reason, and pins nothing", async () => {
    const err = await run(NOW, tipDown()).catch((caught: unknown) => caught);
    expect(err).toBeInstanceOf(TipUnavailableError);
    expect((err as Error).message).toContain('earliest_ledger = "now"');
    expect((err as Error).message).toContain("unavailable after 5 attempts");
    expect(pinBytes()).toBeUndefined();
  });

  test("a numeric floor with the lake down fails and pins nothing", async () => {
    const err = await run(ledger(30_002), tipDown()).catch((caught: unknown) => caught);
    expect(err).toBeInstanceOf(TipUnavailableError);
    expect((err as Error).message).toContain('earliest_ledger = "30002"');
    expect(pinBytes()).toBeUndefined();
  });

  test("a numeric floor past the tip is refused and pins nothing", async () => {
    const err = await run(ledger(1_000_002), tipAt(50_002 + 7)).catch((caught: unknown) => caught);
    expect(err).toBeInstanceOf(EarliestLedgerError);
    expect((err as Error).message).toContain("past the current network tip 50009");
    expect(pinBytes()).toBeUndefined();
  });

  test("a tip below genesis is not ready: now fails and pins nothing", async () => {
    const err = await run(NOW, tipAt(1)).catch((caught: unknown) => caught);
    expect(err).toBeInstanceOf(TipUnavailableError);
    expect((err as Error).message).toContain("below genesis");
    expect(pinBytes()).toBeUndefined();
  });

  test("a lake reporting not-ready fails now and pins nothing", async () => {
    const notReady: TipSampler = async () => {
      throw new LakeNotReadyError("Lake has no ledger at or above genesis yet");
    };
    await expect(run(NOW, notReady)).rejects.toBeInstanceOf(TipUnavailableError);
    expect(pinBytes()).toBeUndefined();
  });

  test("a fatal lake error passes through unwrapped and pins nothing", async () => {
    const misconfigured: TipSampler = async () => {
      throw new LakeConfigError("Lake network mismatch");
    };
    await expect(run(NOW, misconfigured)).rejects.toBeInstanceOf(LakeConfigError);
    expect(pinBytes()).toBeUndefined();
  });
});

describe("validateConfig() restart", () => {
  test("an unchanged numeric floor is accepted, samples no tip and leaves the pin byte-identical", async () => {
    pinEarliestLedger(fixture.catalog, 30_002 as LedgerSeq);
    const before = pinBytes();
    const tip = tipDown();
    expect(await run(ledger(30_002), tip)).toEqual({ earliestLedgerSeq: 30_002 as LedgerSeq, pinnedNow: false });
    expect(tip.calls).toBe(0);
    expect(pinBytes()).toEqual(before!);
  });

  test("genesis after a genesis pin is accepted", async () => {
    pinEarliestLedger(fixture.catalog, 2 as LedgerSeq);
    expect((await run(GENESIS, tipDown())).earliestLedgerSeq).toBe(2 as LedgerSeq);
  });

  test("now on restart is a no-op that keeps the pin and samples no tip", async () => {
    pinEarliestLedger(fixture.catalog, 30_002 as LedgerSeq);
    const tip = tipAt(900_000);
    expect(await run(NOW, tip)).toEqual({ earliestLedgerSeq: 30_002 as LedgerSeq, pinnedNow: false });
    expect(tip.calls).toBe(0);
    expect(earliestLedger(fixture.catalog)).toBe(30_002 as LedgerSeq);
  });

  test.each([
    ["a changed numeric floor", ledger(40_002)],
    ["genesis against a numeric pin", GENESIS],
  ])("%s is refused with the wipe advice and the pin untouched", async (_name, configured) => {
    pinEarliestLedger(fixture.catalog, 30_002 as LedgerSeq);
    const before = pinBytes();
    const err = await run(configured, tipAt(900_000)).catch((caught: unknown) => caught);
    expect(err).toBeInstanceOf(EarliestLedgerError);
    expect((err as Error).message).toContain("earliest_ledger changed: pinned 30002");
    expect((err as Error).message).toContain("Wipe the data directory to change earliest_ledger");
    expect(pinBytes()).toEqual(before!);
  });

  test("a numeric floor against a genesis pin is refused", async () => {
    pinEarliestLedger(fixture.catalog, 2 as LedgerSeq);
    await expect(run(ledger(30_002), tipAt(900_000))).rejects.toBeInstanceOf(EarliestLedgerError);
  });
});

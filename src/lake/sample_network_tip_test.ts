import { describe, expect, test } from "bun:test";
import type { LedgerSeq } from "../geometry/chunk.ts";
import { LakeConfigError, LakeNotReadyError, LakeUnavailableError } from "./lake_errors.ts";
import { sampleNetworkTip } from "./sample_network_tip.ts";

/** A source whose tip answers are scripted: an error to throw, or a ledger. */
function scripted(answers: (Error | number)[]) {
  let calls = 0;
  return {
    description: "scripted lake",
    get calls() {
      return calls;
    },
    async networkTip(): Promise<LedgerSeq> {
      const answer = answers[calls++];
      if (answer instanceof Error) throw answer;
      return answer as LedgerSeq;
    },
  };
}

describe("sampleNetworkTip()", () => {
  test("sampleNetworkTip() retries an unreachable source and returns its tip", async () => {
    const source = scripted([new LakeUnavailableError("down"), new LakeUnavailableError("down"), 12345]);
    expect(await sampleNetworkTip(source, { backoffMs: 0 })).toBe(12345 as LedgerSeq);
    expect(source.calls).toBe(3);
  });

  test("sampleNetworkTip() gives up after the attempts, saying how many", async () => {
    const source = scripted(Array.from({ length: 5 }, () => new LakeUnavailableError("connection refused")));
    await expect(sampleNetworkTip(source, { backoffMs: 0 })).rejects.toThrow(/unavailable after 5 attempts: connection refused/);
    expect(source.calls).toBe(5);
  });

  test("sampleNetworkTip() returns a not-ready lake at once, without retrying", async () => {
    const source = scripted([new LakeNotReadyError("below genesis"), 7]);
    await expect(sampleNetworkTip(source, { backoffMs: 0 })).rejects.toThrow(LakeNotReadyError);
    expect(source.calls).toBe(1);
  });

  test("sampleNetworkTip() does not retry a misconfigured lake", async () => {
    const source = scripted([new LakeConfigError("wrong network"), 7]);
    await expect(sampleNetworkTip(source, { backoffMs: 0 })).rejects.toThrow(LakeConfigError);
    expect(source.calls).toBe(1);
  });
});

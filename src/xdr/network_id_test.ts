import { expect, test } from "bun:test";
import { hash, Networks } from "@stellar/stellar-base";
import { networkIdOf } from "./network_id.ts";

test("networkIdOf() is SHA-256 of the passphrase, as stellar-base computes it", () => {
  for (const passphrase of [Networks.PUBLIC, Networks.TESTNET, Networks.STANDALONE, "load test network"]) {
    expect(Buffer.from(networkIdOf(passphrase)).toString("hex")).toBe(hash(Buffer.from(passphrase)).toString("hex"));
  }
});

test("networkIdOf() gives the well-known testnet network id", () => {
  expect(Buffer.from(networkIdOf("Test SDF Network ; September 2015")).toString("hex")).toBe(
    "cee0302d59844d32bdca915c8203dd44b33fbb7edc19051ea37abedf28ecd472",
  );
});

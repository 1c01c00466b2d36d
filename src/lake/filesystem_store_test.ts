import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFilesystemStore } from "./filesystem_store.ts";
import { LakeConfigError, LakeUnavailableError } from "./lake_errors.ts";

let lakeDir = "";

beforeAll(() => {
  lakeDir = mkdtempSync(join(tmpdir(), "fullhistory-fs-store-"));
  writeFileSync(join(lakeDir, "a-file"), "x");
  mkdirSync(join(lakeDir, "FFFFFFFF--0-63999", "FFFFFFFF--0-63.xdr.zst"), { recursive: true });
});

afterAll(() => rmSync(lakeDir, { recursive: true, force: true }));

test("openFilesystemStore() under a regular file is a LakeConfigError naming the path and ENOTDIR, not a bug", async () => {
  const destinationPath = join(lakeDir, "a-file", "lake");
  const opening = openFilesystemStore({ destinationPath });
  await expect(opening).rejects.toBeInstanceOf(LakeConfigError);
  await expect(openFilesystemStore({ destinationPath })).rejects.toThrow(`destination_path "${destinationPath}" cannot be read (ENOTDIR)`);
});

test("get() of an object that cannot be read (a directory) is a LakeUnavailableError naming the object", async () => {
  const store = await openFilesystemStore({ destinationPath: lakeDir });
  const key = "FFFFFFFF--0-63999/FFFFFFFF--0-63.xdr.zst";
  await expect(store.get(key)).rejects.toBeInstanceOf(LakeUnavailableError);
  await expect(store.get(key)).rejects.toThrow(`Cannot read lake object "${join(lakeDir, key)}": EISDIR`);
});

test("listChildren() of a key that is a file is a LakeUnavailableError naming it", async () => {
  const store = await openFilesystemStore({ destinationPath: lakeDir });
  await expect(store.listChildren("a-file", 10)).rejects.toBeInstanceOf(LakeUnavailableError);
  await expect(store.listChildren("a-file", 10)).rejects.toThrow(`Cannot list lake directory "${join(lakeDir, "a-file")}": ENOTDIR`);
});

import { expect, test } from "bun:test";
import { ConfigError } from "./config_error.ts";
import { resolveStorageRoots } from "./storage_roots.ts";

test("resolveStorageRoots() puts every unset root under the data dir (reference §3.1)", () => {
  expect(resolveStorageRoots({ default_data_dir: "/d" }, "/cwd")).toEqual({
    defaultDataDir: "/d",
    roots: {
      catalog: "/d/catalog/rocksdb",
      ledgers: "/d/ledgers",
      events: "/d/events",
      txhashRaw: "/d/txhash/raw",
      txhashIndex: "/d/txhash/index",
      hot: "/d/hot",
    },
  });
});

test("resolveStorageRoots() normalizes lexically: trailing slashes, '.' and '..' go", () => {
  const { roots } = resolveStorageRoots({ default_data_dir: "/d/./x/../", ledgers: "rel/ledgers/", hot: "/h//hot/" }, "/cwd");
  expect(roots.catalog).toBe("/d/catalog/rocksdb");
  expect(roots.ledgers).toBe("/cwd/rel/ledgers");
  expect(roots.hot).toBe("/h/hot");
});

test("resolveStorageRoots() lets siblings share a prefix without nesting (/d/hot and /d/hot2)", () => {
  const { roots } = resolveStorageRoots({ default_data_dir: "/d", events: "/d/hot2" }, "/cwd");
  expect(roots.events).toBe("/d/hot2");
});

test("resolveStorageRoots() rejects a root spelled differently but resolving to another root", () => {
  expect(() => resolveStorageRoots({ default_data_dir: "/d", hot: "/d/x/../ledgers" }, "/cwd")).toThrow(ConfigError);
  expect(() => resolveStorageRoots({ default_data_dir: "/d", hot: "../d/ledgers" }, "/cwd")).toThrow("are the same directory");
});

test("resolveStorageRoots() rejects the filesystem root as a storage root: it holds all the others", () => {
  expect(() => resolveStorageRoots({ default_data_dir: "/d", catalog: "/" }, "/cwd")).toThrow(
    'Invalid config: storage.ledgers ("/d/ledgers", its default) is inside storage.catalog ("/"): storage roots must not nest',
  );
});

test("resolveStorageRoots() rejects a default root nested in an override", () => {
  expect(() => resolveStorageRoots({ default_data_dir: "/d", txhash_index: "/d/txhash" }, "/cwd")).toThrow(
    'Invalid config: storage.txhash_raw ("/d/txhash/raw", its default) is inside storage.txhash_index ("/d/txhash")',
  );
});

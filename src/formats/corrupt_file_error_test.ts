import { expect, test } from "bun:test";
import { FullhistoryError } from "../errors.ts";
import { CorruptFileError } from "./corrupt_file_error.ts";

test("CorruptFileError says which file, where and what, and what to do", () => {
  const err = new CorruptFileError("/data/00005/00005350.pack", "record 12 at byte 40960: CRC32C 0x1, computed 0x2");
  expect(err).toBeInstanceOf(FullhistoryError);
  expect(err.name).toBe("CorruptFileError");
  expect(err.path).toBe("/data/00005/00005350.pack");
  expect(err.message).toBe(
    'Cannot read "/data/00005/00005350.pack": file is corrupt: record 12 at byte 40960: CRC32C 0x1, computed 0x2; ' +
      "the file cannot be served; restore it from a replica or rebuild it from the ledger lake",
  );
});

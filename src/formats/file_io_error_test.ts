import { expect, test } from "bun:test";
import * as fs from "node:fs";
import { FullhistoryError } from "../errors.ts";
import { FileIoError, fileSystemCall } from "./file_io_error.ts";

test("fileSystemCall() turns an OS error into a FileIoError naming the file, step and errno", () => {
  const run = () => fileSystemCall("/nonexistent/dir/x.pack", { step: "open", call: () => fs.openSync("/nonexistent/dir/x.pack", "r") });
  expect(run).toThrow(FileIoError);
  expect(run).toThrow('Cannot open "/nonexistent/dir/x.pack": ENOENT;');
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FullhistoryError);
    expect((err as FileIoError).cause).toBeDefined();
  }
});

test("fileSystemCall() lets a non-OS error through unchanged", () => {
  const bug = new TypeError("not a syscall failure");
  expect(() =>
    fileSystemCall("p", { step: "write", call: () => {
      throw bug;
    } }),
  ).toThrow(bug);
});

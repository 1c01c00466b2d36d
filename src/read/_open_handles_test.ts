import { describe, expect, test } from "bun:test";
import { InvariantError } from "../assert.ts";
import { OpenHandles } from "./_open_handles.ts";

class Handle {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

describe("OpenHandles", () => {
  test("closes the oldest opened handle when one more is added at the bound", () => {
    const handles = new OpenHandles<number, Handle>(2);
    const [a, b, c] = [new Handle(), new Handle(), new Handle()];
    handles.add(1, a);
    handles.add(2, b);
    handles.add(3, c);
    expect(a.closed).toBe(true);
    expect(handles.get(1)).toBeUndefined();
    expect(handles.get(2)).toBe(b);
    expect(b.closed).toBe(false);
    handles.closeAll();
    expect([b.closed, c.closed]).toEqual([true, true]);
    expect(handles.get(3)).toBeUndefined();
  });

  test("refuses a second handle under one key, and a bound below one", () => {
    const handles = new OpenHandles<number, Handle>(2);
    handles.add(1, new Handle());
    expect(() => handles.add(1, new Handle())).toThrow(InvariantError);
    expect(() => new OpenHandles<number, Handle>(0)).toThrow(InvariantError);
  });
});

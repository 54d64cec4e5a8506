import { describe, expect, it } from "vitest";
import { ago } from "./ago";

describe("ago", () => {
  it("counts whole seconds, then minutes, then hours", () => {
    expect(ago(10_000, 14_900)).toEqual({ key: "ago.seconds", n: 4 });
    expect(ago(0, 59_999)).toEqual({ key: "ago.seconds", n: 59 });
    expect(ago(0, 60_000)).toEqual({ key: "ago.minutes", n: 1 });
    expect(ago(0, 3_599_000)).toEqual({ key: "ago.minutes", n: 59 });
    expect(ago(0, 7_300_000)).toEqual({ key: "ago.hours", n: 2 });
  });

  it("never goes negative when the local clock is behind", () => {
    expect(ago(5_000, 3_000)).toEqual({ key: "ago.seconds", n: 0 });
  });
});

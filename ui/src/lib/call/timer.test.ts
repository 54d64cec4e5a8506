import { describe, expect, it } from "vitest";
import type { CallView } from "../backend";
import { callElapsedMs, formatDuration } from "./timer";

describe("formatDuration", () => {
  it("shows mm:ss below an hour", () => {
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(999)).toBe("00:00");
    expect(formatDuration(5_000)).toBe("00:05");
    expect(formatDuration(65_500)).toBe("01:05");
    expect(formatDuration(59 * 60_000 + 59_999)).toBe("59:59");
  });

  it("shows h:mm:ss from an hour on", () => {
    expect(formatDuration(3_600_000)).toBe("1:00:00");
    expect(formatDuration(3_600_000 + 2 * 60_000 + 3_000)).toBe("1:02:03");
    expect(formatDuration(12 * 3_600_000)).toBe("12:00:00");
  });

  it("never shows a negative time", () => {
    expect(formatDuration(-4_000)).toBe("00:00");
  });
});

describe("callElapsedMs", () => {
  const base: CallView = {
    callId: "c1",
    caller: "+74951234567",
    callee: "40038",
    direction: "inbound",
    state: "ringing",
    offeredAtMs: 1_000_000,
    answeredAtMs: null,
    endedAtMs: null,
    endedBy: null,
    actions: { answer: true, hold: false, unhold: false, hangUp: false },
  };

  it("counts ring time from the offer while ringing", () => {
    expect(callElapsedMs(base, 1_007_000)).toBe(7_000);
  });

  it("counts talk time from the answer while talking or held", () => {
    const talking = { ...base, state: "talking" as const, answeredAtMs: 1_010_000 };
    expect(callElapsedMs(talking, 1_025_000)).toBe(15_000);
    expect(callElapsedMs({ ...talking, state: "held" }, 1_070_000)).toBe(60_000);
  });

  it("freezes at the end", () => {
    const ended = { ...base, state: "ended" as const, answeredAtMs: 1_010_000, endedAtMs: 1_100_000 };
    expect(callElapsedMs(ended, 9_999_999)).toBe(90_000);
  });

  it("keeps the ring time of a call that ended unanswered", () => {
    const missed = { ...base, state: "ended" as const, endedAtMs: 1_020_000 };
    expect(callElapsedMs(missed, 9_999_999)).toBe(20_000);
  });

  it("shows zero when the local clock is behind the backend's", () => {
    expect(callElapsedMs(base, 999_000)).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { formatWallTime, jobCount, localDate, parseWallTime, periodText, splitPeriod } from "./period";

const at = (text: string, end = false) => {
  const ms = parseWallTime(text, end);
  if (ms === null) throw new Error(`${text} does not parse`);
  return ms;
};

describe("the export period", () => {
  it("reads the desk's three forms, a date alone being its first or last second", () => {
    expect(formatWallTime(at("2026-11-20"))).toBe("2026-11-20 00:00:00");
    expect(formatWallTime(at("2026-11-20", true))).toBe("2026-11-20 23:59:59");
    expect(formatWallTime(at("2026-11-20 09:05", true))).toBe("2026-11-20 09:05:00");
    expect(formatWallTime(at(" 2026-11-20 09:05:07 "))).toBe("2026-11-20 09:05:07");
    for (const wrong of ["", "20.11.2026", "2026-11-20T09:05", "2026-02-30", "2026-13-01", "2026-11-20 24:00", "2026-11-20 9:05"]) {
      expect(parseWallTime(wrong), wrong).toBeNull();
    }
  });

  it("cuts a period into windows of three days less a second, the last ending with it", () => {
    const windows = splitPeriod(at("2026-11-01"), at("2026-11-10", true)).map(([b, e]) => [formatWallTime(b), formatWallTime(e)]);
    expect(windows).toEqual([
      ["2026-11-01 00:00:00", "2026-11-03 23:59:59"],
      ["2026-11-04 00:00:00", "2026-11-06 23:59:59"],
      ["2026-11-07 00:00:00", "2026-11-09 23:59:59"],
      ["2026-11-10 00:00:00", "2026-11-10 23:59:59"],
    ]);
    expect(splitPeriod(at("2026-11-01"), at("2026-11-03", true)), "exactly three days is one window").toHaveLength(1);
    expect(splitPeriod(at("2026-11-01 12:00"), at("2026-11-01 12:00")), "a single second is one window").toHaveLength(1);
    expect(splitPeriod(at("2026-11-02"), at("2026-11-01"))).toEqual([]);
  });

  it("counts the jobs of a form's period, or says nothing when it cannot be read", () => {
    expect(jobCount(periodText("2026-11-01", ""), periodText("2026-11-10", ""))).toBe(4);
    expect(jobCount(periodText("2026-11-01", "10:00"), periodText("2026-11-04", "09:59"))).toBe(1);
    expect(jobCount(periodText("2026-11-01", "10:00"), periodText("2026-11-04", "10:00"))).toBe(2);
    expect(jobCount("2026-11-10", "2026-11-01")).toBeNull();
    expect(jobCount("", "2026-11-01")).toBeNull();
    expect(periodText(" 2026-11-01 ", "")).toBe("2026-11-01");
    expect(periodText("2026-11-01", "08:30")).toBe("2026-11-01 08:30");
  });

  it("writes the computer's dates as a date input does", () => {
    const now = new Date(2026, 0, 1, 10, 0);
    expect(localDate(0, now)).toBe("2026-01-01");
    expect(localDate(1, now), "across the year").toBe("2025-12-31");
  });

  it("reads today in the tenant's zone when it is given", () => {
    // 22:30 UTC on 22 November is already 23 November in Moscow, still 22 November in London.
    const now = new Date(Date.UTC(2026, 10, 22, 22, 30));
    expect(localDate(0, now, "Europe/Moscow")).toBe("2026-11-23");
    expect(localDate(1, now, "Europe/Moscow")).toBe("2026-11-22");
    expect(localDate(0, now, "Europe/London")).toBe("2026-11-22");
    expect(localDate(0, now, "America/Los_Angeles")).toBe("2026-11-22");
    expect(localDate(0, now, "Mars/Olympus"), "an unknown zone falls back to the computer's calendar").toBe(localDate(0, now));
  });
});

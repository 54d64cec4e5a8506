import { describe, expect, it } from "vitest";
import { componentKey, EMPTY_DRAFT, formOf, paramRows, secondsLeft, shareLeft } from "./session";

describe("takeover helpers", () => {
  it("shows flat JSON parameters as rows and anything else as text", () => {
    expect(paramRows('{"menu":"billing","attempts":2}')).toEqual([
      ["menu", "billing"],
      ["attempts", "2"],
    ]);
    expect(paramRows("queue=vip")).toBeNull();
    expect(paramRows("[1,2]")).toBeNull();
  });

  it("counts down in whole seconds and never below zero", () => {
    expect(secondsLeft(31_000, 1_000)).toBe(30);
    expect(secondsLeft(31_000, 30_500)).toBe(1);
    expect(secondsLeft(31_000, 40_000)).toBe(0);
    expect(shareLeft(1_000, 31_000, 16_000)).toBe(0.5);
    expect(shareLeft(1_000, 31_000, 99_000)).toBe(0);
  });

  it("names the typed components and leaves the others to their number", () => {
    expect(componentKey(206)).toBe("takeover.component.collectDigits");
    expect(componentKey(205)).toBeNull();
  });

  it("turns the drafts into the desk's forms, refusing a number that is not one", () => {
    expect(formOf("collectDigits", { ...EMPTY_DRAFT, digitsMax: "4" })).toEqual({
      kind: "collectDigits",
      timeoutSec: 15,
      symbolTimeoutSec: 5,
      maxSymbols: 4,
      interrupt: "#",
    });
    expect(formOf("collectDigits", { ...EMPTY_DRAFT, digitsTimeout: "ten" })).toEqual({ problem: "number", field: "digitsTimeout" });
    expect(formOf("answer", { ...EMPTY_DRAFT, sipCode: "302", redirectTo: " 1002 " })).toEqual({ kind: "answer", sipCode: 302, redirectTo: "1002" });
    expect(formOf("transfer", { ...EMPTY_DRAFT, transferTo: " 1002 " })).toEqual({ kind: "transfer", number: "1002" });
    expect(formOf("raw", EMPTY_DRAFT)).toEqual({ kind: "raw", json: EMPTY_DRAFT.raw });
  });
});

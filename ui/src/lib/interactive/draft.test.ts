import { describe, expect, it } from "vitest";
import type { InteractiveSettings, Rule } from "../backend";
import { backToMe, fromDraft, fromRuleDraft, newAction, newRule, toDraft } from "./draft";

const rules: Rule[] = [
  {
    name: "Night: voicemail menu",
    enabled: true,
    when: { time: { from: "20:00", to: "08:00" } },
    actions: [
      { action: "PlaySound", where: "background", digitvar: "choice", file: "night.wav" },
      { action: "Jump", context: "3", option: "start" },
    ],
  },
  {
    name: "Route back",
    enabled: false,
    when: { called: { exact: "0003*001" }, caller: { glob: "+7*" }, spokeWithinDays: 7 },
    actions: [
      { action: "SetVar", name: "routed_by", value: " sidekick " },
      { action: "SimpleTransfer", numbers: "0003*105,{me}", final: false, timeout: "20", early_media: true },
      { action: "Pause" },
      { action: "Pause", length: "3" },
      { action: "SetCaller", name: "Москва (моб.)", number: "+79000000000" },
      { action: "Hangup" },
    ],
  },
];
const settings: InteractiveSettings = { enabled: true, listen: "0.0.0.0:8095", rules, transferNumber: "4012", relayUrl: null };

describe("the settings draft", () => {
  it("gives back exactly the settings it was made from", () => {
    expect(fromDraft(toDraft(settings))).toEqual({ settings });
    const withRelay = { ...settings, relayUrl: "wss://relay.example.com/pops" };
    expect(fromDraft(toDraft(withRelay))).toEqual({ settings: withRelay });
  });

  it("sends a blank relay address as none, and a typed one trimmed", () => {
    const draft = toDraft(settings);
    expect(draft.relayUrl).toBe("");
    draft.relayUrl = "   ";
    expect(fromDraft(draft)).toMatchObject({ settings: { relayUrl: null } });
    draft.relayUrl = " wss://relay.example.com/pops ";
    expect(fromDraft(draft)).toMatchObject({ settings: { relayUrl: "wss://relay.example.com/pops" } });
  });

  it("leaves out empty conditions and optional fields rather than sending them empty", () => {
    const rule = newRule("  Empty  ");
    rule.callerKind = "glob";
    rule.caller = "   ";
    rule.from = " ";
    const pause = newAction("Pause");
    const sound = { ...newAction("PlaySound"), digitvar: "typed before switching to the foreground", file: " hello.wav " };
    const transfer = { ...newAction("SimpleTransfer"), numbers: " 101,102 ", timeout: "  " };
    rule.actions = [pause, sound, transfer];
    expect(fromRuleDraft(rule, 0)).toEqual({
      name: "Empty",
      enabled: true,
      when: {},
      actions: [
        { action: "Pause" },
        { action: "PlaySound", where: "foreground", file: "hello.wav" },
        { action: "SimpleTransfer", numbers: "101,102", final: true, early_media: false },
      ],
    });
    expect(JSON.stringify(fromRuleDraft(rule, 0)), "no empty text reaches the backend").not.toMatch(/:""/);
  });

  it("keeps what was typed in the fields of another type while the type is changed", () => {
    const action = { ...newAction("SimpleTransfer"), numbers: "101" };
    expect(fromRuleDraft({ ...newRule("r"), actions: [{ ...action, action: "Hangup" }] }, 0)).toMatchObject({ actions: [{ action: "Hangup" }] });
    expect(fromRuleDraft({ ...newRule("r"), actions: [action] }, 0)).toMatchObject({ actions: [{ numbers: "101" }] });
  });

  it("asks for both times of a window, and for whole days, naming the rule", () => {
    expect(fromRuleDraft({ ...newRule("Night"), from: "22:00" }, 1)).toEqual({ key: "ci.check.time", params: { n: 2, name: "Night" } });
    expect(fromRuleDraft({ ...newRule("Night"), from: "22:00", to: "24:00" }, 0)).toMatchObject({ key: "ci.check.time" });
    expect(fromRuleDraft({ ...newRule("Night"), from: "9:05", to: "18:00" }, 0)).toMatchObject({ when: { time: { from: "9:05", to: "18:00" } } });
    expect(fromRuleDraft({ ...newRule("Week"), days: 1.5 }, 0)).toEqual({ key: "ci.check.days", params: { n: 1, name: "Week" } });
    expect(fromRuleDraft({ ...newRule("Week"), days: 0 }, 0), "0 is the backend's to refuse, with its sentence").toMatchObject({
      when: { spokeWithinDays: 0 },
    });
  });

  it("makes the 'route back to me' rule", () => {
    expect(fromRuleDraft(backToMe("Back to me"), 0)).toEqual({
      name: "Back to me",
      enabled: true,
      when: { spokeWithinDays: 7 },
      actions: [{ action: "SimpleTransfer", numbers: "{me}", final: true, early_media: false }],
    });
  });

  it("gives every rule and action its own key", () => {
    const draft = toDraft(settings);
    const keys = [...draft.rules.map((r) => r.key), ...draft.rules.flatMap((r) => r.actions.map((a) => a.key))];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

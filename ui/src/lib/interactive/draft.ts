/**
 * The Call Interactive settings as the settings screen edits them, and back.
 *
 * The form needs room the saved settings do not have: a pattern's kind is chosen before its text
 * is typed, an action keeps the fields of the other types while the agent tries them, and half-
 * typed times exist. So the form edits a draft of plain strings, and {@link fromDraft} turns it
 * into `InteractiveSettings` as the backend takes them: an empty condition or optional field is
 * left out (never sent as `{prefix: ""}`), identifiers and numbers are trimmed, free text (a
 * variable's value, a caller's name) is kept as typed. Only what the JSON types cannot carry is
 * checked here (a time of day, a whole number of days); every other rule of the backend is the
 * backend's to check, so its sentence is the one the agent sees.
 */
import type { Action, Conditions, InteractiveSettings, NumberPattern, Rule } from "../backend";
import type { MessageKey } from "../i18n";

export type PatternKind = "exact" | "prefix" | "glob";
export type ActionKind = Action["action"];

/** The action types, in the order the settings offer them. */
export const ACTION_KINDS: readonly ActionKind[] = ["Hangup", "Pause", "SetVar", "Jump", "SetCaller", "PlaySound", "SimpleTransfer"];
export const PATTERN_KINDS: readonly PatternKind[] = ["exact", "prefix", "glob"];
/** The most actions one answer may hold (the vendor's limit). */
export const MAX_ACTIONS = 10;

/** One action being edited: the fields of every type, so switching type loses nothing typed. */
export interface ActionDraft {
  /** Keeps the row (and its focus) when rows above it move. */
  key: number;
  action: ActionKind;
  /** Pause. */
  length: string;
  /** SetVar. */
  variable: string;
  value: string;
  /** Jump. */
  context: string;
  option: string;
  /** SetCaller. */
  callerName: string;
  number: string;
  /** PlaySound. */
  where: "foreground" | "background";
  digitvar: string;
  file: string;
  /** SimpleTransfer. */
  numbers: string;
  final: boolean;
  timeout: string;
  earlyMedia: boolean;
}

export interface RuleDraft {
  key: number;
  name: string;
  enabled: boolean;
  callerKind: PatternKind;
  caller: string;
  calledKind: PatternKind;
  called: string;
  from: string;
  to: string;
  /** What a number input binds: `null` when empty. */
  days: number | null;
  actions: ActionDraft[];
}

export interface InteractiveDraft {
  enabled: boolean;
  listen: string;
  transferNumber: string;
  rules: RuleDraft[];
  /** The relay's `wss://…/pops` address; empty for none. */
  relayUrl: string;
}

/** What the form must fix before anything is sent: a message and its parameters. */
export interface DraftProblem {
  key: MessageKey;
  params: Record<string, string | number>;
}

let lastKey = 0;
const nextKey = () => ++lastKey;

/** A new action of `kind`, every field empty (a transfer final, as the PBX's default). */
export function newAction(kind: ActionKind = "SimpleTransfer"): ActionDraft {
  return {
    key: nextKey(),
    action: kind,
    length: "",
    variable: "",
    value: "",
    context: "",
    option: "",
    callerName: "",
    number: "",
    where: "foreground",
    digitvar: "",
    file: "",
    numbers: "",
    final: true,
    timeout: "",
    earlyMedia: false,
  };
}

/** A new rule with no conditions and no actions. */
export function newRule(name: string): RuleDraft {
  return {
    key: nextKey(),
    name,
    enabled: true,
    callerKind: "prefix",
    caller: "",
    calledKind: "exact",
    called: "",
    from: "",
    to: "",
    days: null,
    actions: [],
  };
}

/**
 * The "route back to me" template: callers the agent spoke with this week are transferred
 * straight to the agent's own number (`{me}`).
 */
export function backToMe(name: string): RuleDraft {
  return ruleDraft({
    name,
    enabled: true,
    when: { spokeWithinDays: 7 },
    actions: [{ action: "SimpleTransfer", numbers: "{me}", final: true, early_media: false }],
  });
}

function actionDraft(a: Action): ActionDraft {
  const d = newAction(a.action);
  switch (a.action) {
    case "Hangup":
      return d;
    case "Pause":
      return { ...d, length: a.length ?? "" };
    case "SetVar":
      return { ...d, variable: a.name, value: a.value };
    case "Jump":
      return { ...d, context: a.context, option: a.option };
    case "SetCaller":
      return { ...d, callerName: a.name, number: a.number };
    case "PlaySound":
      return { ...d, where: a.where === "background" ? "background" : "foreground", digitvar: a.digitvar ?? "", file: a.file };
    case "SimpleTransfer":
      return { ...d, numbers: a.numbers, final: a.final, timeout: a.timeout ?? "", earlyMedia: a.early_media };
  }
}

function patternParts(p: NumberPattern | null | undefined, fallback: PatternKind): [PatternKind, string] {
  if (!p) return [fallback, ""];
  if ("exact" in p) return ["exact", p.exact];
  if ("prefix" in p) return ["prefix", p.prefix];
  return ["glob", p.glob];
}

export function ruleDraft(rule: Rule): RuleDraft {
  const blank = newRule(rule.name);
  const [callerKind, caller] = patternParts(rule.when.caller, blank.callerKind);
  const [calledKind, called] = patternParts(rule.when.called, blank.calledKind);
  return {
    ...blank,
    enabled: rule.enabled,
    callerKind,
    caller,
    calledKind,
    called,
    from: rule.when.time?.from ?? "",
    to: rule.when.time?.to ?? "",
    days: rule.when.spokeWithinDays ?? null,
    actions: rule.actions.map(actionDraft),
  };
}

/** The saved settings as a draft to edit. */
export function toDraft(settings: InteractiveSettings): InteractiveDraft {
  return {
    enabled: settings.enabled,
    listen: settings.listen ?? "",
    transferNumber: settings.transferNumber ?? "",
    rules: settings.rules.map(ruleDraft),
    relayUrl: settings.relayUrl ?? "",
  };
}

function pattern(kind: PatternKind, text: string): NumberPattern {
  return kind === "exact" ? { exact: text } : kind === "prefix" ? { prefix: text } : { glob: text };
}

/** `H:MM` or `HH:MM`, 00:00 to 23:59: what the backend's `TimeOfDay` takes. */
function isTimeOfDay(text: string): boolean {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60;
}

/** The largest number of days the backend can hold (`u32`). */
const MAX_DAYS = 4_294_967_295;

/** The action as the backend takes it: optional fields left out when empty. */
export function fromActionDraft(d: ActionDraft): Action {
  switch (d.action) {
    case "Hangup":
      return { action: "Hangup" };
    case "Pause": {
      const length = d.length.trim();
      return length ? { action: "Pause", length } : { action: "Pause" };
    }
    case "SetVar":
      return { action: "SetVar", name: d.variable.trim(), value: d.value };
    case "Jump":
      return { action: "Jump", context: d.context.trim(), option: d.option.trim() };
    case "SetCaller":
      return { action: "SetCaller", name: d.callerName, number: d.number.trim() };
    case "PlaySound": {
      // Digits are collected only in the background; the field is hidden, so not sent, otherwise.
      const digitvar = d.where === "background" ? d.digitvar.trim() : "";
      return { action: "PlaySound", where: d.where, ...(digitvar ? { digitvar } : {}), file: d.file.trim() };
    }
    case "SimpleTransfer": {
      const timeout = d.timeout.trim();
      return { action: "SimpleTransfer", numbers: d.numbers.trim(), final: d.final, ...(timeout ? { timeout } : {}), early_media: d.earlyMedia };
    }
  }
}

/** The rule at `position` (from 0) as the backend takes it, or what must be fixed first. */
export function fromRuleDraft(d: RuleDraft, position: number): Rule | DraftProblem {
  const name = d.name.trim();
  const problem = (key: MessageKey): DraftProblem => ({ key, params: { n: position + 1, name } });
  const when: Conditions = {};
  const caller = d.caller.trim();
  if (caller) when.caller = pattern(d.callerKind, caller);
  const called = d.called.trim();
  if (called) when.called = pattern(d.calledKind, called);
  const [from, to] = [d.from.trim(), d.to.trim()];
  if (from || to) {
    if (!isTimeOfDay(from) || !isTimeOfDay(to)) return problem("ci.check.time");
    when.time = { from, to };
  }
  if (d.days !== null && d.days !== undefined) {
    if (!Number.isInteger(d.days) || d.days < 0 || d.days > MAX_DAYS) return problem("ci.check.days");
    when.spokeWithinDays = d.days;
  }
  return { name, enabled: d.enabled, when, actions: d.actions.map(fromActionDraft) };
}

function isProblem(x: Rule | DraftProblem): x is DraftProblem {
  return "key" in x;
}

/** The rules as the backend takes them, in order, or the first thing to fix. */
export function fromRuleDrafts(drafts: RuleDraft[]): { rules: Rule[] } | { problem: DraftProblem } {
  const rules: Rule[] = [];
  for (const [i, d] of drafts.entries()) {
    const rule = fromRuleDraft(d, i);
    if (isProblem(rule)) return { problem: rule };
    rules.push(rule);
  }
  return { rules };
}

/** The settings to save, or the first thing to fix. */
export function fromDraft(draft: InteractiveDraft): { settings: InteractiveSettings } | { problem: DraftProblem } {
  const built = fromRuleDrafts(draft.rules);
  if ("problem" in built) return built;
  return {
    settings: {
      enabled: draft.enabled,
      listen: draft.listen.trim() || null,
      rules: built.rules,
      transferNumber: draft.transferNumber.trim() || null,
      relayUrl: draft.relayUrl.trim() || null,
    },
  };
}

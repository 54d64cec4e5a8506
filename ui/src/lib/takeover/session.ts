/**
 * Pure helpers of the IVR takeover panel: what a session's parameters say, the countdown, the
 * names of components, and the forms turned into what the desk runs.
 */
import type { ComponentForm, TakeoverPhase } from "../backend";
import type { MessageKey } from "../i18n";
import type { Tone } from "../tone";

/** The parameters as key/value rows when they are a flat JSON object; otherwise `null` (shown as text). */
export function paramRows(params: string): Array<[string, string]> | null {
  let value: unknown;
  try {
    value = JSON.parse(params);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
}

/** Whole seconds left until `deadlineMs` (never below 0). */
export function secondsLeft(deadlineMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((deadlineMs - nowMs) / 1000));
}

/** The share of the countdown left, 0–1. */
export function shareLeft(offeredMs: number, deadlineMs: number, nowMs: number): number {
  const total = deadlineMs - offeredMs;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (deadlineMs - nowMs) / total));
}

/** The message key naming a component's type; `null` for one without a name (shown by number). */
export function componentKey(oType: number): MessageKey | null {
  const keys: Record<number, MessageKey> = {
    201: "takeover.component.hangUp",
    202: "takeover.component.answer",
    203: "takeover.component.transfer",
    204: "takeover.component.play",
    206: "takeover.component.collectDigits",
    208: "takeover.component.record",
  };
  return keys[oType] ?? null;
}

export const phaseTone: Record<TakeoverPhase, Tone> = {
  offered: "brand",
  accepting: "amber",
  controlled: "green",
  applying: "amber",
  running: "blue",
  released: "grey",
  stopped: "grey",
};

/** Whether this app controls the session (the action buttons are shown). */
export function controlled(phase: TakeoverPhase): boolean {
  return phase === "controlled" || phase === "applying" || phase === "running";
}

/** What the action forms hold, as typed. */
export interface ActionDraft {
  file: string;
  recordSeconds: string;
  digitsTimeout: string;
  digitsMax: string;
  digitsEnd: string;
  transferTo: string;
  sipCode: string;
  redirectTo: string;
  raw: string;
}

export const EMPTY_DRAFT: ActionDraft = {
  file: ":SYNC_DOMAIN_DATA/prompts/hello.wav",
  recordSeconds: "30",
  digitsTimeout: "15",
  digitsMax: "",
  digitsEnd: "#",
  transferTo: "",
  sipCode: "200",
  redirectTo: "",
  raw: '{\n  "oType": 205\n}',
};

export type ActionKind = "play" | "record" | "collectDigits" | "transfer" | "answer" | "raw";

/** A whole number from a field, or `null` when empty; `NaN` when it is not one. */
function whole(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  return /^\d+$/.test(t) ? Number(t) : Number.NaN;
}

/** The form of `kind` from the draft, or which field is not a number (the desk checks ranges and the rest). */
export function formOf(kind: ActionKind, d: ActionDraft): ComponentForm | { problem: "number"; field: keyof ActionDraft } {
  const text = (s: string) => s.trim() || null;
  switch (kind) {
    case "play":
      return { kind: "play", file: d.file.trim() };
    case "record": {
      const seconds = whole(d.recordSeconds);
      if (seconds === null || Number.isNaN(seconds)) return { problem: "number", field: "recordSeconds" };
      return { kind: "record", recTimeSec: seconds, interrupt: "#", abortOnSilence: false };
    }
    case "collectDigits": {
      const timeout = whole(d.digitsTimeout);
      const max = whole(d.digitsMax);
      if (timeout === null || Number.isNaN(timeout)) return { problem: "number", field: "digitsTimeout" };
      if (max !== null && Number.isNaN(max)) return { problem: "number", field: "digitsMax" };
      return { kind: "collectDigits", timeoutSec: timeout, symbolTimeoutSec: 5, maxSymbols: max, interrupt: text(d.digitsEnd) };
    }
    case "transfer":
      return { kind: "transfer", number: d.transferTo.trim() };
    case "answer": {
      const code = whole(d.sipCode);
      if (code === null || Number.isNaN(code)) return { problem: "number", field: "sipCode" };
      return { kind: "answer", sipCode: code, redirectTo: text(d.redirectTo) };
    }
    case "raw":
      return { kind: "raw", json: d.raw };
  }
}

/**
 * The colour each state is shown in. Components set `data-tone`, and `app.css` turns a tone into
 * `--tone` / `--tone-soft` / `--tone-text`, so the palette lives in one place.
 */
import type { AgentState, CallState, ErrorCode, Health, JobState } from "./backend";

export type Tone = "green" | "amber" | "red" | "blue" | "purple" | "grey" | "brand";

export const agentStateTone: Record<AgentState, Tone> = {
  unknown: "grey",
  ready: "green",
  busy: "amber",
  notReady: "grey",
  rest: "blue",
  wrapUp: "purple",
};

export const healthTone: Record<Health, Tone> = {
  offline: "grey",
  connected: "green",
  reconnecting: "amber",
  lost: "red",
};

export const callStateTone: Record<CallState, Tone> = {
  ringing: "brand",
  talking: "green",
  held: "amber",
  ended: "grey",
};

/** An export job: grey until CC-FS answers, blue while it makes the files, brand while downloading. */
export const jobStateTone: Record<JobState, Tone> = {
  requested: "grey",
  waiting: "blue",
  downloading: "brand",
  ready: "green",
  failed: "red",
};

/**
 * Red when the agent cannot work until something changes, green for a recovery that needs
 * nothing from them, amber for everything else.
 */
export function noticeTone(code: ErrorCode): Tone {
  if (code === "sessionLost" || code === "gatewayUnreachable") return "red";
  return code === "sessionRestored" ? "green" : "amber";
}

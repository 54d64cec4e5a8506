/** What the call card's timer shows. Display only: the desk owns the timestamps. */
import type { CallView, HistoryCall } from "../backend";
import type { MessageKey } from "../i18n";

/**
 * Milliseconds to show for `call` at `nowMs`: ring time while ringing, talk time (from the answer)
 * while talking or on hold, and the frozen talk time once ended. A call that ended unanswered
 * keeps its ring time. Never negative, so a clock a little behind the backend's shows 00:00.
 */
export function callElapsedMs(call: CallView, nowMs: number): number {
  const start = call.answeredAtMs ?? call.offeredAtMs;
  const end = call.state === "ended" ? (call.endedAtMs ?? nowMs) : nowMs;
  return Math.max(0, end - start);
}

/** `mm:ss` below an hour, `h:mm:ss` from an hour on; partial seconds are dropped. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/**
 * What a past call's row says for its length: the talk time; or that it was not answered, is the
 * call going on now, or ended while Sidekick was not watching (closed, or the session lost).
 */
export function historyLength(call: HistoryCall, t: (key: MessageKey) => string): string {
  if (call.answeredAtMs !== null && call.endedAtMs !== null) return formatDuration(call.endedAtMs - call.answeredAtMs);
  if (call.endedAtMs !== null) return t("history.unanswered");
  return t(call.live ? "history.inProgress" : "history.endUnseen");
}

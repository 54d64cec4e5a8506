/** How long ago something happened, for the status bar's "last contact". Display only. */
import type { MessageKey } from "./i18n";

/**
 * The message and its `{n}` for `thenMs` seen at `nowMs`: whole seconds below a minute, whole
 * minutes below an hour, then whole hours. Never negative, so a clock a little behind the
 * backend's says "0 s ago".
 */
export function ago(thenMs: number, nowMs: number): { key: MessageKey; n: number } {
  const seconds = Math.floor(Math.max(0, nowMs - thenMs) / 1000);
  if (seconds < 60) return { key: "ago.seconds", n: seconds };
  if (seconds < 3600) return { key: "ago.minutes", n: Math.floor(seconds / 60) };
  return { key: "ago.hours", n: Math.floor(seconds / 3600) };
}

/** Numbers, times and dates as the agent's language writes them. Display only. */
import type { Locale } from "./i18n";

/** `16,300` in English, `16 300` in Russian. */
export function formatCount(n: number, loc: Locale): string {
  return new Intl.NumberFormat(loc).format(n);
}

/** The time of day on a 24-hour clock, `08:05`, in the computer's time zone. */
export function timeOfDay(ms: number, loc: Locale): string {
  return new Intl.DateTimeFormat(loc, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
}

/** A day and a time, `Nov 22, 08:05` / `22 нояб., 08:05`. */
export function dayAndTime(ms: number, loc: Locale): string {
  return new Intl.DateTimeFormat(loc, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(ms);
}

/** A day and a time to the second, `Nov 22, 08:05:09` / `22 нояб., 08:05:09` (for logs). */
export function dayAndTimeSeconds(ms: number, loc: Locale): string {
  return new Intl.DateTimeFormat(loc, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(ms);
}

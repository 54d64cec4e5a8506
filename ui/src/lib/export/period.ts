/**
 * The period of a supervisor's export, in the tenant's wall-clock time, as the desk reads it:
 * `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`, a date alone being its first second
 * (or its last, as an end). Times here are "naive": milliseconds of a clock with no time zone and
 * no changes of clocks (computed as UTC), which is all the form needs to say how many jobs a
 * period makes. (Across the autumn change of clocks the desk may cut one window an hour short,
 * which this count does not foresee.)
 */

/** The most one CC-FS request may span, in days. */
export const MAX_WINDOW_DAYS = 3;

const DAY_MS = 86_400_000;
const SECOND_MS = 1_000;

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** `text` as naive milliseconds, or `null` when it is not one of the forms (or no such day). */
export function parseWallTime(text: string, end = false): number | null {
  const m = WALL_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hasTime = m[4] !== undefined;
  const [hour, minute, second] = hasTime ? [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)] : end ? [23, 59, 59] : [0, 0, 0];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over into March: such a day does not exist.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/** Naive milliseconds as `YYYY-MM-DD HH:MM:SS`, the form CC-FS and the job list use. */
export function formatWallTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * `[begin, end]` (both included, to the second) cut into windows of at most three days, as the
 * desk cuts it: `[begin, begin + 3 days − 1 s]`, then from `begin + 3 days`, the last ending at
 * `end`. Empty when the end comes before the start.
 */
export function splitPeriod(begin: number, end: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  for (let start = begin; start <= end; start += MAX_WINDOW_DAYS * DAY_MS) {
    windows.push([start, Math.min(start + MAX_WINDOW_DAYS * DAY_MS - SECOND_MS, end)]);
  }
  return windows;
}

/** One end of the period as the form sends it: the date, and the time when one is given. */
export function periodText(date: string, time: string): string {
  const [d, t] = [date.trim(), time.trim()];
  return t === "" ? d : `${d} ${t}`;
}

/**
 * How many jobs the period from `begin` to `end` (as {@link periodText} writes them) makes;
 * `null` when either cannot be read or the end comes first.
 */
export function jobCount(begin: string, end: string): number | null {
  const [from, to] = [parseWallTime(begin), parseWallTime(end, true)];
  if (from === null || to === null || to < from) return null;
  return splitPeriod(from, to).length;
}

/**
 * The date `daysAgo` days before today, as a date input writes it (`YYYY-MM-DD`): today in the
 * tenant's time zone `zone` when it is given and known, else on this computer's calendar. (A
 * tenant in Moscow is already on tomorrow's date while a computer in London is still on today's.)
 */
export function localDate(daysAgo = 0, now = new Date(), zone?: string): string {
  let [y, m, d] = [now.getFullYear(), now.getMonth() + 1, now.getDate()];
  if (zone) {
    try {
      const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
      const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
      if ([part("year"), part("month"), part("day")].every(Number.isFinite)) [y, m, d] = [part("year"), part("month"), part("day")];
    } catch {
      // An unknown zone: the computer's calendar.
    }
  }
  const date = new Date(Date.UTC(y, m - 1, d - daysAgo));
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
}

/**
 * How much room a new note has in its call's data: the counter under the note editor.
 *
 * The desk decides (it refuses a note that does not fit, with the numbers); this only lets the
 * agent see the limit coming. The rule is the desk's, exactly: all of a call's notes travel as one
 * JSON document of at most `maxBytes` bytes, and `baseBytes` is what that document takes with one
 * more note whose text is empty. A note of text `t` then fits when
 * `baseBytes + jsonEscapedLen(t) <= maxBytes`.
 */
import type { CallNotes } from "../backend";

const utf8 = new TextEncoder();

/** Bytes `text` takes in UTF-8 (Cyrillic 2, most emoji 4). */
export function utf8Len(text: string): number {
  return utf8.encode(text).length;
}

/**
 * Bytes `text` takes inside a JSON string, without its quotes: its UTF-8 length plus one byte for
 * each `"`, `\` and \b \f \n \r \t escape, and five for each other control character (`\u00XX`).
 * `JSON.stringify` escapes exactly as the desk's serializer does.
 */
export function jsonEscapedLen(text: string): number {
  return utf8Len(JSON.stringify(text)) - 2;
}

/** Bytes left for a note of `text` in `notes`' call; negative when it is that many bytes over. */
export function bytesLeft(notes: Pick<CallNotes, "maxBytes" | "baseBytes">, text: string): number {
  return notes.maxBytes - notes.baseBytes - jsonEscapedLen(text);
}

/** How the counter is coloured: `low` under a tenth of the call's whole budget, `over` past it. */
export type BudgetLevel = "ok" | "low" | "over";

export function budgetLevel(left: number, maxBytes: number): BudgetLevel {
  if (left < 0) return "over";
  return left < maxBytes / 10 ? "low" : "ok";
}

/**
 * A deliberately small i18n: two dictionaries and a store.
 *
 * Components read `$t("key", { param })`; the `t` store changes when the locale does, so every
 * visible string follows a language switch at once.
 */
import { derived, writable } from "svelte/store";
import type { Language } from "../backend";
import { en, type MessageKey } from "./en";
import { ru } from "./ru";

export type { MessageKey } from "./en";
export type Locale = "en" | "ru";
export type Params = Record<string, string | number>;

export const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, ru };

/** The locale the UI is shown in. */
export const locale = writable<Locale>("en");

/** The locale for a language setting; `auto` follows the system (any `ru*` tag means Russian). */
export function resolveLocale(language: Language, systemLanguage: string): Locale {
  if (language !== "auto") return language;
  return systemLanguage.toLowerCase().startsWith("ru") ? "ru" : "en";
}

/**
 * Switches the UI to the language setting, and tells the document for screen readers and
 * hyphenation. `auto` follows the system language the backend reports (the webview's own
 * `navigator.language` does not reliably follow the OS), falling back to the webview's.
 */
export function applyLanguage(language: Language, systemLanguage?: string | null): void {
  const next = resolveLocale(language, systemLanguage ?? navigator.language);
  locale.set(next);
  document.documentElement.lang = next;
}

/** `key` in `loc`, with each `{name}` replaced by `params.name` (unknown names are left as they are). */
export function translate(loc: Locale, key: MessageKey, params?: Params): string {
  const text = dictionaries[loc][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export const t = derived(locale, (loc) => (key: MessageKey, params?: Params) => translate(loc, key, params));

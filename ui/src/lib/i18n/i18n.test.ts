import { get } from "svelte/store";
import { afterEach, describe, expect, it } from "vitest";
import { applyLanguage, dictionaries, locale, resolveLocale, t, translate } from ".";

describe("dictionaries", () => {
  it("have exactly the same keys in every language", () => {
    const english = Object.keys(dictionaries.en).sort();
    expect(Object.keys(dictionaries.ru).sort(), "a key missing in one language shows as a raw key").toEqual(english);
  });

  it("use the same parameters in every language", () => {
    const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const [key, text] of Object.entries(dictionaries.en)) {
      expect(params(dictionaries.ru[key as keyof typeof dictionaries.ru]), key).toEqual(params(text));
    }
  });

  it("have no empty strings", () => {
    for (const dict of Object.values(dictionaries)) {
      for (const [key, text] of Object.entries(dict)) expect(text.trim(), key).not.toBe("");
    }
  });
});

describe("resolveLocale", () => {
  it("follows the system language for auto", () => {
    expect(resolveLocale("auto", "ru-RU")).toBe("ru");
    expect(resolveLocale("auto", "ru")).toBe("ru");
    expect(resolveLocale("auto", "en-GB")).toBe("en");
    expect(resolveLocale("auto", "de-DE"), "languages without a dictionary fall back to English").toBe("en");
  });

  it("lets an explicit choice win over the system", () => {
    expect(resolveLocale("en", "ru-RU")).toBe("en");
    expect(resolveLocale("ru", "en-US")).toBe("ru");
  });
});

describe("t", () => {
  afterEach(() => locale.set("en"));

  it("fills parameters", () => {
    expect(translate("en", "status.agent", { id: 1001 })).toBe("Agent 1001");
    expect(translate("ru", "call.to", { number: "40038" })).toBe("На номер 40038");
  });

  it("follows the language setting", () => {
    applyLanguage("ru");
    expect(get(t)("idle.title")).toBe("Ожидание звонков");
    expect(document.documentElement.lang).toBe("ru");
    applyLanguage("en");
    expect(get(t)("idle.title")).toBe("Waiting for calls");
  });
});

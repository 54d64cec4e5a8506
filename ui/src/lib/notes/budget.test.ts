import { describe, expect, it } from "vitest";
import { budgetLevel, bytesLeft, jsonEscapedLen, utf8Len } from "./budget";

describe("jsonEscapedLen", () => {
  it("counts UTF-8 bytes: Latin 1, Cyrillic 2, CJK 3, emoji 4", () => {
    expect(jsonEscapedLen("abc")).toBe(3);
    expect(jsonEscapedLen("Привет"), "6 Cyrillic letters").toBe(12);
    expect(jsonEscapedLen("中")).toBe(3);
    expect(jsonEscapedLen("😀"), "one emoji, two UTF-16 units, four bytes").toBe(4);
    expect(jsonEscapedLen("é😀")).toBe(6);
  });

  it("counts JSON escapes as the desk's serializer writes them", () => {
    expect(jsonEscapedLen('"'), '" is written \\"').toBe(2);
    expect(jsonEscapedLen("\\")).toBe(2);
    expect(jsonEscapedLen("\n"), "a newline is written \\n").toBe(2);
    expect(jsonEscapedLen("\r\t\b\f")).toBe(8);
    expect(jsonEscapedLen("\u0001"), "other control characters are \\u0001").toBe(6);
    expect(jsonEscapedLen("\u001f")).toBe(6);
    expect(jsonEscapedLen("\u007f"), "DEL is not escaped").toBe(1);
    expect(jsonEscapedLen("/"), "nor is a slash").toBe(1);
    expect(jsonEscapedLen('He said "да"\n')).toBe(2 + 1 + 4 + 1 + 2 + 4 + 2 + 2);
  });

  it("is the UTF-8 length when nothing needs escaping", () => {
    for (const text of ["", "plain", "Заметка", "🙂🙂"]) expect(jsonEscapedLen(text)).toBe(utf8Len(text));
  });
});

describe("bytesLeft", () => {
  const notes = { maxBytes: 16_367, baseBytes: 67 };

  it("is the room minus the note, to the byte", () => {
    expect(bytesLeft(notes, "")).toBe(16_300);
    expect(bytesLeft(notes, "ж")).toBe(16_298);
    expect(bytesLeft(notes, "x".repeat(16_300)), "exactly full still fits").toBe(0);
    expect(bytesLeft(notes, "x".repeat(16_301))).toBe(-1);
    expect(bytesLeft(notes, "ж".repeat(8_200)), "Cyrillic counts double").toBe(-100);
  });
});

describe("budgetLevel", () => {
  it("is low under a tenth of the whole budget and over past it", () => {
    expect(budgetLevel(16_300, 16_367)).toBe("ok");
    expect(budgetLevel(1_637, 16_367)).toBe("ok");
    expect(budgetLevel(1_636, 16_367)).toBe("low");
    expect(budgetLevel(0, 16_367)).toBe("low");
    expect(budgetLevel(-1, 16_367)).toBe("over");
  });
});

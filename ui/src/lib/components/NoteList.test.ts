import { render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { Delivery, NoteView } from "../backend";
import { locale } from "../i18n";
import NoteList from "./NoteList.svelte";

const at = new Date(2026, 10, 22, 8, 5).getTime();
const note = (id: number, delivery: Delivery, reason: string | null = null, text = `Note ${id}`): NoteView => ({
  id,
  author: 1001,
  atMs: at + id * 60_000,
  text,
  delivery,
  reason,
});

afterEach(() => locale.set("en"));

describe("the notes list", () => {
  it.each<[Delivery, string | null, string]>([
    ["pending", null, "Waiting to be attached"],
    ["sending", null, "Attaching…"],
    ["confirmed", null, "Attached to the call"],
    ["failed", "The gateway refused the call data (000-002)", "Not attached: The gateway refused the call data (000-002)"],
    ["notAttached", "Not attached: typed after the call ended. Kept here.", "Not attached (call ended)"],
  ])("marks a %s note, for the eye and for a screen reader", (delivery, reason, label) => {
    render(NoteList, { props: { notes: [note(1, delivery, reason)], label: "Notes" } });
    const item = screen.getByTestId("note");
    expect(item.dataset.delivery).toBe(delivery);
    const mark = screen.getByTestId("note-delivery");
    expect(mark.title).toBe(label);
    expect(mark.querySelector(".visually-hidden")?.textContent).toBe(label);
    expect(mark.querySelector(delivery === "sending" ? ".spinner" : "svg"), "each state has its mark").not.toBeNull();
  });

  it("shows each note's time, text in full and any reason, newest last", () => {
    const long = `Line one\n${"word ".repeat(400)}end`;
    render(NoteList, {
      props: {
        notes: [
          note(1, "confirmed"),
          note(2, "pending", "Retrying: the gateway did not answer"),
          note(3, "notAttached", "Not attached: typed after the call ended. Kept here.", long),
        ],
        label: "Notes of this call",
      },
    });
    const list = screen.getByRole("list", { name: "Notes of this call" });
    expect(list.dataset.testid).toBe("notes-list");
    const items = screen.getAllByTestId("note");
    expect(items.map((i) => i.querySelector("[data-testid=note-time]")?.textContent)).toEqual(["08:06", "08:07", "08:08"]);
    expect(items[2].querySelector("[data-testid=note-body]")?.textContent, "never cut").toBe(long);
    expect(items[0].querySelector("[data-testid=note-reason]")).toBeNull();
    expect(items[1].querySelector("[data-testid=note-reason]")?.textContent).toBe("Retrying: the gateway did not answer");
    expect(items[2].querySelector("[data-testid=note-reason]")?.textContent).toBe(
      "Not attached: typed after the call ended. Kept here.",
    );
  });

  it("speaks Russian", () => {
    locale.set("ru");
    render(NoteList, { props: { notes: [note(1, "confirmed")], label: "Заметки" } });
    expect(screen.getByTestId("note-delivery").title).toBe("Прикреплена к звонку");
  });
});

import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CallNotes, IpcError } from "../backend";
import { locale } from "../i18n";
import NotesEditor from "./NotesEditor.svelte";

/** Notes with 16,300 bytes of room, unless `baseBytes` says otherwise. */
function notesWith(over: Partial<CallNotes> = {}): CallNotes {
  return { callId: "c-1", notes: [], maxBytes: 16_367, baseBytes: 67, unavailable: null, ...over };
}

function renderEditor(
  opts: { notes?: CallNotes; ended?: boolean; onattach?: (callId: string, text: string) => Promise<void> } = {},
) {
  const onattach = vi.fn(opts.onattach ?? (async () => {}));
  const view = render(NotesEditor, { props: { callId: "c-1", notes: opts.notes ?? notesWith(), ended: opts.ended ?? false, onattach } });
  const area = document.querySelector<HTMLTextAreaElement>("#note-text") as HTMLTextAreaElement;
  const button = document.querySelector<HTMLButtonElement>("#note-attach") as HTMLButtonElement;
  return { area, button, onattach, view, counter: () => screen.getByTestId("note-bytes-left") };
}

afterEach(() => locale.set("en"));

describe("the byte counter", () => {
  it("counts UTF-8 bytes and JSON escapes exactly as the desk does", async () => {
    const { area, counter } = renderEditor();
    expect(counter().textContent?.trim()).toBe("16,300 bytes left");
    expect(screen.getByLabelText("Note")).toBe(area);

    await fireEvent.input(area, { target: { value: "abc" } });
    expect(counter().textContent?.trim()).toBe("16,297 bytes left");
    await fireEvent.input(area, { target: { value: "Привет" } });
    expect(counter().textContent?.trim(), "Cyrillic letters take 2 bytes each").toBe("16,288 bytes left");
    await fireEvent.input(area, { target: { value: "😀" } });
    expect(counter().textContent?.trim(), "an emoji takes 4").toBe("16,296 bytes left");
    await fireEvent.input(area, { target: { value: '"' } });
    expect(counter().textContent?.trim(), 'a " is escaped to 2').toBe("16,298 bytes left");
    await fireEvent.input(area, { target: { value: "a\nb" } });
    expect(counter().textContent?.trim(), "a newline is escaped to 2").toBe("16,296 bytes left");
  });

  it("turns amber under a tenth of the budget and red past it, saying by how much", async () => {
    const { area, button, counter } = renderEditor({ notes: notesWith({ baseBytes: 16_360 }) });
    expect(counter().textContent?.trim()).toBe("7 bytes left");
    expect(counter().dataset.level).toBe("low");

    await fireEvent.input(area, { target: { value: "123456" } });
    expect(counter().textContent?.trim()).toBe("1 byte left");
    expect(button.disabled).toBe(false);

    await fireEvent.input(area, { target: { value: "12345678" } });
    expect(counter().textContent?.trim()).toBe("1 byte over");
    expect(counter().dataset.level).toBe("over");
    expect(button.disabled, "a note past the limit cannot be sent").toBe(true);
    expect(area.getAttribute("aria-invalid")).toBe("true");

    await fireEvent.input(area, { target: { value: "жжжжж" } });
    expect(counter().textContent?.trim()).toBe("3 bytes over");
  });

  it("uses the agent's language for the number", () => {
    locale.set("ru");
    const { counter } = renderEditor();
    expect(counter().textContent?.trim()).toBe(`Осталось байт: 16${"\u00a0"}300`);
  });
});

describe("attaching", () => {
  it("is disabled while there is nothing but whitespace", async () => {
    const { area, button } = renderEditor();
    expect(button.disabled).toBe(true);
    await fireEvent.input(area, { target: { value: "  \n " } });
    expect(button.disabled).toBe(true);
    await fireEvent.input(area, { target: { value: " ok " } });
    expect(button.disabled).toBe(false);
  });

  it("sends on Ctrl+Enter (and Cmd+Enter), then clears the text and keeps the focus", async () => {
    const { area, onattach } = renderEditor();
    area.focus();
    await fireEvent.input(area, { target: { value: "Wants a callback\nafter 6 pm" } });
    await fireEvent.keyDown(area, { key: "Enter", ctrlKey: true });

    expect(onattach).toHaveBeenCalledWith("c-1", "Wants a callback\nafter 6 pm");
    await waitFor(() => expect(area.value).toBe(""));
    expect(document.activeElement, "the agent types the next note straight away").toBe(area);

    await fireEvent.input(area, { target: { value: "Second" } });
    await fireEvent.keyDown(area, { key: "Enter", metaKey: true });
    expect(onattach).toHaveBeenLastCalledWith("c-1", "Second");

    await fireEvent.input(area, { target: { value: "Third" } });
    await fireEvent.keyDown(area, { key: "Enter" });
    expect(onattach, "a plain Enter is a new line, not a send").toHaveBeenCalledTimes(2);
  });

  it("shows progress while the desk saves the note, and sends it only once", async () => {
    let resolve: () => void = () => {};
    const { area, button, onattach } = renderEditor({ onattach: () => new Promise<void>((r) => (resolve = r)) });
    await fireEvent.input(area, { target: { value: "Once" } });
    await fireEvent.click(button);

    expect(button.disabled, "a double click does not send it twice").toBe(true);
    expect(button.textContent?.trim()).toBe("Attaching…");
    await fireEvent.keyDown(area, { key: "Enter", ctrlKey: true });
    expect(onattach).toHaveBeenCalledOnce();

    resolve();
    await waitFor(() => expect(button.textContent?.trim()).toBe("Attach"));
    expect(area.value).toBe("");
  });

  it("keeps what is typed while the note is being saved, and can send the next one meanwhile", async () => {
    const answers: Array<() => void> = [];
    const { area, button, onattach } = renderEditor({ onattach: () => new Promise<void>((r) => answers.push(r)) });
    await fireEvent.input(area, { target: { value: "First" } });
    await fireEvent.click(button);
    await fireEvent.input(area, { target: { value: "First, and more" } });
    answers[0]?.();
    await waitFor(() => expect(area.value, "only what was sent is cleared").toBe(", and more"));

    await fireEvent.input(area, { target: { value: "Second" } });
    await fireEvent.click(button);
    await fireEvent.input(area, { target: { value: "Third" } });
    expect(button.disabled, "another note may go while one is saved").toBe(false);
    await fireEvent.click(button);
    expect(onattach.mock.calls.map((c) => c[1])).toEqual(["First", "Second", "Third"]);
    answers[1]?.();
    answers[2]?.();
    await waitFor(() => expect(area.value).toBe(""));
  });

  it("keeps the text and shows the desk's reason when the note is refused", async () => {
    const refusal: IpcError = {
      code: "invalidInput",
      message: "This note does not fit: the call's notes would take 16400 bytes, and call data holds at most 16367.",
    };
    const { area, button } = renderEditor({ onattach: () => Promise.reject(refusal) });
    await fireEvent.input(area, { target: { value: "A long note" } });
    await fireEvent.click(button);

    const error = await screen.findByTestId("note-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("would take 16400 bytes");
    expect(area.value, "nothing the agent typed is lost").toBe("A long note");
    expect(button.disabled, "they may try again").toBe(false);

    await fireEvent.input(area, { target: { value: "A shorter note" } });
    expect(screen.queryByTestId("note-error"), "typing clears the old reason").toBeNull();
  });
});

describe("states of the editor", () => {
  it("says why notes are unavailable and disables the editor", () => {
    const why = "No call-data key is set, so notes cannot be sealed. An administrator enters it in Settings.";
    const { area, button } = renderEditor({ notes: notesWith({ unavailable: why }) });
    expect(screen.getByTestId("notes-unavailable").textContent).toContain(why);
    expect(area.disabled).toBe(true);
    expect(button.disabled).toBe(true);
  });

  it("tells, after the call ended, that new notes are kept but not attached", () => {
    renderEditor({ ended: true });
    const hint = screen.getByTestId("notes-ended");
    expect(hint.textContent).toContain("The call has ended: new notes are kept in history, not attached to the call");
    expect(document.querySelector("#note-text")?.getAttribute("aria-describedby")).toContain(hint.id);
  });

  it("has no such hint while the call is live", () => {
    renderEditor();
    expect(screen.queryByTestId("notes-ended")).toBeNull();
    expect(screen.getByText(/Ctrl\+Enter attaches|⌘ Enter attaches/)).toBeTruthy();
  });
});

describe("a draft left when the card moves on", () => {
  it("is kept with the call it was typed for, not dropped and not moved to the next call", async () => {
    const { area, onattach, view } = renderEditor();
    await fireEvent.input(area, { target: { value: "Half-typed wrap-up note" } });
    view.unmount();
    expect(onattach).toHaveBeenCalledWith("c-1", "Half-typed wrap-up note");
  });

  it("sends nothing when the field is empty", async () => {
    const { onattach, view } = renderEditor();
    view.unmount();
    expect(onattach).not.toHaveBeenCalled();
  });
});

import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import type { CallView } from "../backend";
import { callActions, deskSnapshot, FakeBackend, settingsView, withDerived } from "../backend/fake";
import { locale } from "../i18n";

const agent = { phase: "signedIn", agentId: 1001, agentState: "busy", health: "connected", demo: true } as const;
const talking: CallView = {
  callId: "1732250000-0011",
  caller: "+74951234567",
  callee: "40038",
  direction: "inbound",
  state: "talking",
  offeredAtMs: Date.now() - 9_000,
  answeredAtMs: Date.now() - 6_000,
  endedAtMs: null,
  endedBy: null,
  actions: callActions("talking", "inbound"),
};

afterEach(() => locale.set("en"));

describe("hotkeys", () => {
  it("lists every action, saves combinations and reports a clash on both actions", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: settingsView() });
    render(App, { props: { backend } });
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    const group = await screen.findByTestId("hotkey-settings");
    expect(within(group).getAllByRole("textbox")).toHaveLength(6);
    expect(group.querySelector<HTMLInputElement>("#hotkey-record")?.value).toBe("CmdOrCtrl+Shift+R");
    await fireEvent.input(group.querySelector<HTMLInputElement>("#hotkey-answer")!, { target: { value: "Ctrl+Shift+F5" } });
    await fireEvent.input(group.querySelector<HTMLInputElement>("#hotkey-hangUp")!, { target: { value: "shift+ctrl+f5" } });
    await fireEvent.click(within(group).getByTestId("hotkeys-save"));
    await waitFor(() => expect(within(group).getAllByTestId("hotkey-problem")).toHaveLength(2));
    const saved = backend.calls.find((c) => c.method === "saveHotkeys")?.args[0] as Record<string, string>;
    expect(saved).toMatchObject({ answer: "Ctrl+Shift+F5", hangUp: "shift+ctrl+f5", record: "CmdOrCtrl+Shift+R", hold: "" });
    expect(within(group).getByTestId("hotkey-answer").dataset.ok).toBe("false");
    expect(within(group).getByTestId("hotkey-record").dataset.ok).toBe("true");
  });

  it("puts the cursor in the notes, and attaches the note, when those hotkeys are pressed", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent, talking)) });
    render(App, { props: { backend } });
    const area = await waitFor(() => {
      const a = document.querySelector<HTMLTextAreaElement>("#note-text");
      if (!a) throw new Error("no notes editor yet");
      return a;
    });
    expect(document.activeElement).not.toBe(area);
    backend.pressHotkey("focusNotes");
    await waitFor(() => expect(document.activeElement).toBe(area));
    await fireEvent.input(area, { target: { value: "Wants a callback tomorrow" } });
    backend.pressHotkey("attachNote");
    await waitFor(() => expect(backend.calls.some((c) => c.method === "attachNote" && c.args[1] === "Wants a callback tomorrow")).toBe(true));
  });
});

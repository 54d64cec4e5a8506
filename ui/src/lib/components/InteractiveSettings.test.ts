import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import type { InteractiveSettings, Rule } from "../backend";
import { deskSnapshot, FakeBackend, interactiveView, settingsView, withDerived } from "../backend/fake";
import { locale } from "../i18n";

const agent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected" } as const;

/** The window with the settings open, over a fake desk whose agent's number is 40044. */
async function openSettings(backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: settingsView({ phoneNumber: "40044" }) })) {
  render(App, { props: { backend } });
  await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
  await screen.findByTestId("call-interactive");
  return backend;
}

const byTestId = <T extends HTMLElement = HTMLInputElement>(id: string, inside: HTMLElement = document.body) => within(inside).getByTestId<T>(id);
const rules = () => screen.queryAllByTestId("ci-rule");
const rule = (i: number) => {
  const card = rules()[i];
  if (!card) throw new Error(`no rule ${i + 1}`);
  return card;
};
const type = (el: HTMLElement, value: string) => fireEvent.input(el, { target: { value } });
const choose = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });
const saveButton = () => byTestId<HTMLButtonElement>("ci-save");
const lastSaved = (backend: FakeBackend) =>
  backend.calls.filter((c) => c.method === "saveCallInteractive").at(-1)?.args[0] as InteractiveSettings | undefined;

afterEach(() => {
  vi.restoreAllMocks();
  locale.set("en");
});

describe("Call Interactive settings", () => {
  it("round-trips a rule through save: sent without empty fields, then shown again as saved", async () => {
    const backend = await openSettings();
    expect(byTestId("ci-status").dataset.state).toBe("off");
    expect(byTestId("ci-no-rules")).toBeTruthy();
    expect(byTestId("ci-transfer-number").placeholder, "the number {me} stands for now").toBe("40044");
    expect(byTestId("ci-listen").placeholder).toBe("0.0.0.0:8095");

    await fireEvent.click(byTestId("ci-enabled"));
    await fireEvent.click(byTestId("ci-add-rule"));
    const card = rule(0);
    expect(byTestId("ci-rule-name", card).value, "a new rule is named by its place").toBe("Rule 1");
    await type(byTestId("ci-rule-name", card), "Night");
    await choose(byTestId("ci-caller-kind", card), "glob");
    await type(byTestId("ci-caller-text", card), " +7495* ");
    await type(byTestId("ci-time-from", card), "22:00");
    await type(byTestId("ci-time-to", card), "06:00");
    await type(byTestId("ci-days", card), "3");
    await fireEvent.click(byTestId("ci-add-action", card));
    await type(byTestId("ci-field-numbers", card), "101,{me}");
    await type(byTestId("ci-field-timeout", card), "20");
    await fireEvent.click(byTestId("ci-field-final", card));
    await fireEvent.click(byTestId("ci-add-action", card));
    const second = within(card).getAllByTestId("ci-action")[1] as HTMLElement;
    await choose(byTestId("ci-action-type", second), "SetVar");
    await type(byTestId("ci-field-variable", second), "lang");
    await type(byTestId("ci-field-value", second), "ru");
    expect(byTestId("ci-save-state").dataset.state).toBe("unsaved");

    await fireEvent.click(saveButton());

    const night: Rule = {
      name: "Night",
      enabled: true,
      when: { caller: { glob: "+7495*" }, time: { from: "22:00", to: "06:00" }, spokeWithinDays: 3 },
      actions: [
        { action: "SimpleTransfer", numbers: "101,{me}", final: false, timeout: "20", early_media: false },
        { action: "SetVar", name: "lang", value: "ru" },
      ],
    };
    await waitFor(() => expect(byTestId("ci-save-state").dataset.state).toBe("saved"));
    expect(lastSaved(backend), "empty conditions and fields are left out, not sent empty").toEqual({
      enabled: true,
      listen: null,
      rules: [night],
      transferNumber: null,
      relayUrl: null,
    });
    expect(byTestId("ci-status").dataset.state).toBe("listening");
    expect(byTestId("ci-status-text").textContent).toBe("Listening on 0.0.0.0:8095");

    // Closed and opened again, the settings show what the desk saved.
    await fireEvent.click(document.querySelector("#close-settings") as HTMLButtonElement);
    await fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    await screen.findByTestId("call-interactive");
    expect(byTestId("ci-enabled").checked).toBe(true);
    expect(rules()).toHaveLength(1);
    expect(rule(0).dataset.name).toBe("Night");
    expect(byTestId<HTMLSelectElement>("ci-caller-kind", rule(0)).value).toBe("glob");
    expect(byTestId("ci-caller-text", rule(0)).value).toBe("+7495*");
    expect(byTestId("ci-time-to", rule(0)).value).toBe("06:00");
    expect(byTestId("ci-days", rule(0)).value).toBe("3");
    expect(within(rule(0)).getAllByTestId("ci-action").map((a) => a.dataset.action)).toEqual(["SimpleTransfer", "SetVar"]);
    expect(byTestId("ci-field-final", rule(0)).checked).toBe(false);
    expect(byTestId("ci-save-state").dataset.state).toBe("clean");
  });

  it("shows the backend's refusal as it comes, and keeps every edit", async () => {
    const backend = await openSettings();
    await fireEvent.click(byTestId("ci-add-rule"));
    await type(byTestId("ci-rule-name", rule(0)), "Sales");
    await fireEvent.click(byTestId("ci-add-action", rule(0)));
    await type(byTestId("ci-field-numbers", rule(0)), "101, 102");

    await fireEvent.click(saveButton());

    const error = await screen.findByTestId("ci-error");
    expect(error.textContent?.trim()).toBe(
      'Rule 1 ("Sales"): action 1 (SimpleTransfer): SimpleTransfer numbers "101, 102" contain a space: the PBX takes them comma-separated with no spaces',
    );
    expect(error.dataset.code).toBe("invalidInput");
    expect(byTestId("ci-field-numbers", rule(0)).value, "what was typed stays for fixing").toBe("101, 102");
    expect(byTestId("ci-save-state").dataset.state).toBe("unsaved");
    expect(backend.currentSettings.callInteractive.settings.rules, "nothing was saved").toEqual([]);

    await type(byTestId("ci-field-numbers", rule(0)), "101,102");
    await fireEvent.click(saveButton());
    await waitFor(() => expect(screen.queryByTestId("ci-error")).toBeNull());
    expect(backend.currentSettings.callInteractive.settings.rules[0]?.actions).toEqual([
      { action: "SimpleTransfer", numbers: "101,102", final: true, early_media: false },
    ]);
  });

  it("says what to fix in a half-typed time window before anything is sent", async () => {
    const backend = await openSettings();
    await fireEvent.click(byTestId("ci-add-rule"));
    await type(byTestId("ci-rule-name", rule(0)), "Night");
    await type(byTestId("ci-time-from", rule(0)), "22:00");
    await fireEvent.click(saveButton());
    expect((await screen.findByTestId("ci-error")).textContent?.trim()).toBe(
      "Rule 1 (“Night”): write both times as HH:MM, from 00:00 to 23:59 (22:00 to 06:00 crosses midnight)",
    );
    expect(lastSaved(backend)).toBeUndefined();
  });

  it("adds the 'route back to me' template, which saves as the desk expects it", async () => {
    const backend = await openSettings();
    await fireEvent.click(byTestId("ci-add-back-to-me"));
    const card = rule(0);
    expect(card.dataset.name).toBe("Back to me");
    expect(byTestId("ci-days", card).value).toBe("7");
    expect(byTestId("ci-caller-text", card).value).toBe("");
    expect(within(card).getAllByTestId("ci-action").map((a) => a.dataset.action)).toEqual(["SimpleTransfer"]);
    expect(byTestId("ci-field-numbers", card).value).toBe("{me}");
    expect(byTestId("ci-field-final", card).checked).toBe(true);
    expect(byTestId("ci-field-early-media", card).checked).toBe(false);

    await fireEvent.click(saveButton());
    await waitFor(() => expect(lastSaved(backend)).toBeDefined());
    expect(lastSaved(backend)?.rules).toEqual([
      {
        name: "Back to me",
        enabled: true,
        when: { spokeWithinDays: 7 },
        actions: [{ action: "SimpleTransfer", numbers: "{me}", final: true, early_media: false }],
      },
    ]);
  });

  it("allows at most 10 actions in a rule: Add action is disabled at 10", async () => {
    await openSettings();
    await fireEvent.click(byTestId("ci-add-rule"));
    const add = byTestId<HTMLButtonElement>("ci-add-action", rule(0));
    for (let i = 0; i < 10; i++) await fireEvent.click(add);
    expect(within(rule(0)).getAllByTestId("ci-action")).toHaveLength(10);
    expect(byTestId("ci-action-count", rule(0)).textContent).toBe("10 of 10");
    expect(add.disabled).toBe(true);
    await fireEvent.click(add);
    expect(within(rule(0)).getAllByTestId("ci-action"), "an 11th is never added").toHaveLength(10);

    await fireEvent.click(within(rule(0)).getAllByTestId("ci-remove-action")[0] as HTMLElement);
    expect(within(rule(0)).getAllByTestId("ci-action")).toHaveLength(9);
    expect(add.disabled).toBe(false);
  });

  it("moves, disables and deletes rules, and saves them in the order shown", async () => {
    const backend = await openSettings();
    await fireEvent.click(byTestId("ci-add-rule"));
    await fireEvent.click(byTestId("ci-add-back-to-me"));
    await fireEvent.click(byTestId("ci-add-rule"));
    expect(rules().map((r) => r.dataset.name)).toEqual(["Rule 1", "Back to me", "Rule 3"]);
    expect(byTestId<HTMLButtonElement>("ci-rule-up", rule(0)).disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("ci-rule-down", rule(2)).disabled).toBe(true);

    await fireEvent.click(byTestId("ci-rule-up", rule(1)));
    expect(rules().map((r) => r.dataset.name)).toEqual(["Back to me", "Rule 1", "Rule 3"]);
    await fireEvent.click(byTestId("ci-rule-down", rule(1)));
    expect(rules().map((r) => r.dataset.name)).toEqual(["Back to me", "Rule 3", "Rule 1"]);
    await fireEvent.click(byTestId("ci-rule-delete", rule(2)));
    await fireEvent.click(byTestId("ci-rule-enabled", rule(1)));
    expect(rule(1).dataset.enabled).toBe("false");

    await fireEvent.click(saveButton());
    await waitFor(() => expect(lastSaved(backend)).toBeDefined());
    expect(lastSaved(backend)?.rules.map((r) => [r.name, r.enabled])).toEqual([
      ["Back to me", true],
      ["Rule 3", false],
    ]);
  });

  it("previews the exact XML the rules as edited would give a sample call, and the desk's refusal", async () => {
    const backend = await openSettings();
    await fireEvent.click(byTestId("ci-add-rule"));
    await type(byTestId("ci-rule-name", rule(0)), "Moscow");
    await type(byTestId("ci-caller-text", rule(0)), "+7495");
    await fireEvent.click(byTestId("ci-add-action", rule(0)));
    await type(byTestId("ci-field-numbers", rule(0)), "{me}");
    await fireEvent.click(byTestId("ci-field-early-media", rule(0)));

    await type(byTestId("ci-preview-caller"), "+74951234567");
    await type(byTestId("ci-preview-time"), "10:00");
    await fireEvent.click(byTestId("ci-preview"));

    const xml = await screen.findByTestId("ivr-preview-xml");
    expect(xml.tagName).toBe("PRE");
    expect(xml.textContent).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n    <SimpleTransfer early_media="True">40044</SimpleTransfer>\n</Response>\n',
    );
    expect(byTestId("ci-preview-result").dataset.rule).toBe("0");
    expect(byTestId("ci-preview-result").textContent).toContain("Rule 1: Moscow");
    expect(backend.calls.find((c) => c.method === "previewCallInteractive")?.args).toEqual([
      [{ name: "Moscow", enabled: true, when: { caller: { prefix: "+7495" } }, actions: [{ action: "SimpleTransfer", numbers: "{me}", final: true, early_media: true }] }],
      { caller: "+74951234567", called: "", at: "10:00" },
    ]);
    expect(lastSaved(backend), "a preview saves nothing").toBeUndefined();

    await type(byTestId("ci-preview-caller"), "+78121234567");
    await fireEvent.click(byTestId("ci-preview"));
    await waitFor(() => expect(byTestId("ci-preview-result").dataset.rule).toBe("none"));
    expect(byTestId("ci-preview-result").textContent).toContain("No rule matches");
    expect(screen.getByTestId("ivr-preview-xml").textContent).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<Response/>\n');

    await type(byTestId("ci-preview-time"), "25:00");
    await fireEvent.click(byTestId("ci-preview"));
    expect((await screen.findByTestId("ci-preview-error")).textContent?.trim()).toBe(
      '"25:00" is not a time of day: write it as HH:MM, from 00:00 to 23:59',
    );
    expect(screen.queryByTestId("ivr-preview-xml")).toBeNull();
  });
});

/** Gives the webview's `navigator` a clipboard for one test; returns how to take it away. */
function withClipboard(clipboard: Pick<Clipboard, "writeText">): () => void {
  Object.defineProperty(navigator, "clipboard", { value: clipboard, configurable: true });
  return () => Reflect.deleteProperty(navigator, "clipboard");
}

describe("the address for the PBX", () => {
  const listening = () =>
    new FakeBackend({
      snapshot: withDerived(deskSnapshot(agent)),
      settings: settingsView({ callInteractive: interactiveView({ enabled: true }, { status: { state: "listening", address: "0.0.0.0:8095" } }) }),
    });

  it("is shown only when asked for, with a warning that it holds a secret, and copies to the clipboard", async () => {
    const writeText = vi.fn(async () => {});
    const restore = withClipboard({ writeText });
    try {
      const backend = await openSettings(listening());
      expect(screen.queryByTestId("ci-address"), "never shown unasked").toBeNull();
      expect(backend.calls.some((c) => c.method === "callInteractiveAddress")).toBe(false);

      await fireEvent.click(byTestId("ci-show-address"));
      const field = await screen.findByTestId<HTMLInputElement>("ci-address");
      expect(field.value).toMatch(/^http:\/\/192\.168\.1\.20:8095\/ci\/[A-Za-z0-9]{32}$/);
      expect(field.readOnly).toBe(true);
      expect(byTestId("ci-address-secret").textContent).toContain("secret key");

      await fireEvent.click(byTestId("ci-copy"));
      expect(writeText).toHaveBeenCalledWith(field.value);
      await waitFor(() => expect(byTestId("ci-copy").dataset.state).toBe("copied"));

      await fireEvent.click(byTestId("ci-hide-address"));
      expect(screen.queryByTestId("ci-address")).toBeNull();
    } finally {
      restore();
    }
  });

  it("is selected for Ctrl+C where the clipboard is not allowed", async () => {
    const restore = withClipboard({ writeText: async () => Promise.reject(new Error("not allowed")) });
    try {
      await openSettings(listening());
      await fireEvent.click(byTestId("ci-show-address"));
      const field = await screen.findByTestId<HTMLInputElement>("ci-address");
      await fireEvent.click(byTestId("ci-copy"));
      await screen.findByTestId("ci-copy-hint");
      expect(document.activeElement).toBe(field);
      expect([field.selectionStart, field.selectionEnd]).toEqual([0, field.value.length]);
    } finally {
      restore();
    }
  });

  it("changes only after the agent confirms, and the new one is shown in its place", async () => {
    const backend = await openSettings(listening());
    await fireEvent.click(byTestId("ci-show-address"));
    const old = (await screen.findByTestId<HTMLInputElement>("ci-address")).value;

    await fireEvent.click(byTestId("ci-renew"));
    expect(byTestId("ci-renew-confirm").textContent).toContain("stops working");
    await fireEvent.click(byTestId("ci-renew-cancel"));
    expect(backend.calls.some((c) => c.method === "renewCallInteractiveToken"), "cancelled").toBe(false);

    await fireEvent.click(byTestId("ci-renew"));
    await fireEvent.click(byTestId("ci-renew-yes"));
    await waitFor(() => expect(byTestId("ci-address").value).not.toBe(old));
    expect(byTestId("ci-address").value.slice(0, -32)).toBe(old.slice(0, -32));
    expect(backend.calls.filter((c) => c.method === "renewCallInteractiveToken")).toHaveLength(1);
    expect(screen.queryByTestId("ci-renew-confirm")).toBeNull();
  });

  it("is not offered while the server is off or failed, and the failure is shown", async () => {
    const reason = "Port 8095 is in use by another program; choose another port";
    await openSettings(
      new FakeBackend({
        settings: settingsView({ callInteractive: interactiveView({ enabled: true }, { status: { state: "failed", reason } }) }),
      }),
    );
    expect(byTestId("ci-status").dataset.state).toBe("failed");
    expect(byTestId("ci-status-text").textContent).toBe(`Failed: ${reason}`);
    expect(byTestId("ci-status").querySelector("[data-tone=red]")).not.toBeNull();
    expect(screen.queryByTestId("ci-show-address")).toBeNull();
    expect(screen.queryByTestId("ci-renew")).toBeNull();
  });
});

describe("the relay for a cloud PBX", () => {
  const relayStatus = () => byTestId("ci-relay-status");
  const keyInput = () => document.querySelector<HTMLInputElement>("#relay-key");

  it("saves the address with the form, keeps the key write-only, and shows the connection come up", async () => {
    const backend = await openSettings();
    expect(relayStatus().dataset.state).toBe("off");

    await type(byTestId("ci-relay-url"), " wss://relay.example.com/pops ");
    expect(byTestId("ci-save-state").dataset.state, "the address is part of the form").toBe("unsaved");
    await fireEvent.click(saveButton());
    await waitFor(() => expect(byTestId("ci-save-state").dataset.state).toBe("saved"));
    expect(lastSaved(backend)?.relayUrl).toBe("wss://relay.example.com/pops");
    expect(relayStatus().dataset.state, "an address without a key does not connect").toBe("noKey");
    expect(byTestId("ci-relay-status-text").textContent).toBe("Not connected: save the relay key");

    const key = "k3y-for-the-relay_0123";
    const input = keyInput();
    if (!input) throw new Error("no relay key field");
    await fireEvent.input(input, { target: { value: key } });
    await fireEvent.submit(input.form as HTMLFormElement);
    await waitFor(() => expect(relayStatus().dataset.state).toBe("connected"));
    expect(backend.calls.filter((c) => c.method === "setRelayKey").map((c) => c.args)).toEqual([[key]]);
    expect(input.value, "the key leaves the field once saved").toBe("");
    expect(screen.getByTestId("call-interactive").innerHTML, "and is never shown back").not.toContain(key);
    expect(relayStatus().querySelector("[data-tone=green]")).not.toBeNull();

    await fireEvent.click(document.querySelector<HTMLButtonElement>("#forget-relay-key") as HTMLButtonElement);
    await waitFor(() => expect(relayStatus().dataset.state).toBe("noKey"));
  });

  it("refuses a plain ws:// relay on another computer, and a short key, keeping what was typed", async () => {
    const backend = await openSettings();
    await type(byTestId("ci-relay-url"), "ws://relay.example.com/pops");
    await fireEvent.click(saveButton());
    const error = await screen.findByTestId("ci-error");
    expect(error.textContent).toContain("must be reached over wss://");
    expect(byTestId("ci-relay-url").value).toBe("ws://relay.example.com/pops");
    expect(backend.currentSettings.callInteractive.settings.relayUrl, "nothing saved").toBeNull();

    const input = keyInput() as HTMLInputElement;
    await fireEvent.input(input, { target: { value: "short" } });
    await fireEvent.submit(input.form as HTMLFormElement);
    const keyError = await screen.findByText(/has 5 characters; it needs at least 16/);
    expect(keyError.textContent).not.toContain("short");
    expect(input.value, "kept for fixing").toBe("short");
    expect(backend.currentSettings.callInteractive.relayKeySaved).toBe(false);
  });

  it("says why the relay is down and when it tries again", async () => {
    await openSettings(
      new FakeBackend({
        snapshot: { ...withDerived(deskSnapshot(agent)), relay: { state: "down", reason: "the relay refused the key", retryInMs: 4_600 } },
        settings: settingsView({ callInteractive: interactiveView({ relayUrl: "wss://relay.example.com/pops" }, { relayKeySaved: true }) }),
      }),
    );
    expect(relayStatus().dataset.state).toBe("down");
    expect(byTestId("ci-relay-status-text").textContent).toBe("Down: the relay refused the key. Trying again in 5 s");
    expect(relayStatus().querySelector("[data-tone=red]")).not.toBeNull();
  });
});

describe("in Russian", () => {
  it("says it all in Russian", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: settingsView({ language: "ru" }) });
    locale.set("ru");
    await openSettingsRu(backend);
    expect(screen.getByTestId("call-interactive").textContent).toContain("Правила маршрутизации");
    await fireEvent.click(byTestId("ci-add-back-to-me"));
    expect(rule(0).dataset.name).toBe("Вернуть мне");
    expect(byTestId("ci-status-text").textContent).toBe("Выключен");
    expect(byTestId<HTMLButtonElement>("ci-save").textContent?.trim()).toBe("Сохранить");
  });

  async function openSettingsRu(backend: FakeBackend) {
    render(App, { props: { backend } });
    await fireEvent.click(await screen.findByRole("button", { name: "Настройки" }));
    await screen.findByTestId("call-interactive");
  }
});

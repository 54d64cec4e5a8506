import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../../App.svelte";
import type { ExportSettings, SettingsView } from "../backend";
import { deskSnapshot, exportView, FakeBackend, settingsView, withDerived } from "../backend/fake";
import { locale } from "../i18n";

const agent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected" } as const;

/** The window with the settings open, over a fake desk with `settings`. */
async function openSettings(settings: SettingsView = settingsView()) {
  const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings });
  render(App, { props: { backend } });
  await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
  await screen.findByTestId("export-settings");
  return backend;
}

const field = (id: string) => screen.getByTestId<HTMLInputElement>(id);
const type = (el: HTMLElement, value: string) => fireEvent.input(el, { target: { value } });
const lastSaved = (backend: FakeBackend) =>
  backend.calls.filter((c) => c.method === "saveExportSettings").at(-1)?.args[0] as ExportSettings | undefined;

afterEach(() => locale.set("en"));

describe("export settings", () => {
  it("switches the role at once, showing the export's settings and page to a supervisor only", async () => {
    const backend = await openSettings();
    const role = field("export-role");
    expect(role.checked).toBe(false);
    expect(screen.queryByTestId("export-ccfs-url"), "an agent sees only the switch").toBeNull();
    expect(document.querySelector("#open-export")).toBeNull();

    await fireEvent.click(role);

    await waitFor(() => expect(backend.currentSettings.role).toBe("supervisor"));
    expect(backend.calls.filter((c) => c.method === "setRole").map((c) => c.args)).toEqual([["supervisor"]]);
    expect(await screen.findByTestId("export-ccfs-url")).toBeTruthy();
    expect(screen.getByTestId("export-receiver").dataset.state).toBe("off");
    expect(screen.getByTestId("export-receiver-text").textContent).toBe("Off: save the AK and the SK");
    expect(document.querySelector("#open-export")).toBeTruthy();

    await fireEvent.click(field("export-role"));
    await waitFor(() => expect(backend.currentSettings.role).toBe("agent"));
    await waitFor(() => expect(screen.queryByTestId("export-ccfs-url")).toBeNull());
    expect(document.querySelector("#open-export")).toBeNull();
  });

  it("puts the switch back, with the reason, when the role cannot be saved", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)) });
    backend.fail("setRole", { code: "storage", message: "settings.json could not be written" });
    render(App, { props: { backend } });
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    await fireEvent.click(await screen.findByTestId("export-role"));
    const error = await screen.findByTestId("export-role-error");
    expect(error.textContent?.trim()).toBe("Local storage error: settings.json could not be written");
    expect(field("export-role").checked).toBe(false);
  });

  it("round-trips the settings through Save: trimmed, empty fields left out, shown again as saved", async () => {
    const backend = await openSettings(settingsView({ role: "supervisor" }));
    await type(field("export-ccfs-url"), " https://ccfs.example.com:28443/ ");
    await type(field("export-ak"), "ak-1");
    await type(field("export-zone"), "Europe/Moscow");
    await type(field("export-callback-listen"), "0.0.0.0:9443");
    await type(field("export-callback-url"), "https://sidekick.example.com:9443/ccfs/callback");
    await type(field("export-callback-cert"), "/etc/sidekick/receiver.crt");
    await type(field("export-callback-key"), "/etc/sidekick/receiver.key");
    await fireEvent.click(field("export-millis"));
    expect(screen.getByTestId("export-save-state").dataset.state).toBe("unsaved");

    await fireEvent.click(screen.getByTestId("export-save"));

    await waitFor(() => expect(screen.getByTestId("export-save-state").dataset.state).toBe("saved"));
    expect(lastSaved(backend)).toEqual({
      ccfsUrl: "https://ccfs.example.com:28443/",
      ak: "ak-1",
      tenantZone: "Europe/Moscow",
      callbackListen: "0.0.0.0:9443",
      callbackUrl: "https://sidekick.example.com:9443/ccfs/callback",
      callbackCert: "/etc/sidekick/receiver.crt",
      callbackKey: "/etc/sidekick/receiver.key",
      timestampMillis: true,
    });
    expect(screen.getByTestId("export-receiver-text").textContent, "no SK yet").toBe("Off: save the AK and the SK");

    // With the SK the receiver starts where the settings say.
    await type(document.querySelector("#ccfs-sk") as HTMLInputElement, "the-secret-key");
    await fireEvent.click(document.querySelector("#save-ccfs-sk") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("export-receiver").dataset.state).toBe("listening"));
    expect(screen.getByTestId("export-receiver-text").textContent).toBe("Listening: CC-FS calls https://sidekick.example.com:9443/ccfs/callback");

    // Closed and opened again, the settings show what the desk saved.
    await fireEvent.click(document.querySelector("#close-settings") as HTMLButtonElement);
    await fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    await screen.findByTestId("export-settings");
    expect(field("export-ccfs-url").value).toBe("https://ccfs.example.com:28443/");
    expect(field("export-zone").value).toBe("Europe/Moscow");
    expect(field("export-callback-key").value).toBe("/etc/sidekick/receiver.key");
    expect(field("export-millis").checked).toBe(true);
    expect(screen.getByTestId("export-save-state").dataset.state).toBe("clean");
  });

  it("shows a refused save's sentence and keeps every edit", async () => {
    const backend = await openSettings(settingsView({ role: "supervisor" }));
    await type(field("export-ccfs-url"), "https://ccfs.example.com/");
    await type(field("export-callback-listen"), "8443");
    await fireEvent.click(screen.getByTestId("export-save"));

    const error = await screen.findByTestId("export-settings-error");
    expect(error.textContent?.trim()).toBe('"8443" is not an address to listen on; write it as 0.0.0.0:8443 (address:port)');
    expect(field("export-callback-listen").value).toBe("8443");
    expect(field("export-ccfs-url").value).toBe("https://ccfs.example.com/");
    expect(screen.getByTestId("export-save-state").dataset.state).toBe("unsaved");
    expect(backend.currentSettings.export.settings.ccfsUrl, "nothing was saved").toBeNull();

    await type(field("export-callback-listen"), "127.0.0.1:8443");
    await fireEvent.click(screen.getByTestId("export-save"));
    await waitFor(() => expect(screen.queryByTestId("export-settings-error")).toBeNull());
    expect(backend.currentSettings.export.settings.callbackListen).toBe("127.0.0.1:8443");
  });

  it("keeps the SK write-only: sent once, never shown back, and forgettable", async () => {
    const backend = await openSettings(settingsView({ role: "supervisor", export: exportView({ ak: "ak-1", callbackListen: "127.0.0.1:8443" }) }));
    expect(screen.getByTestId("settings-ccfs-sk").dataset.saved).toBe("false");
    await fireEvent.click(document.querySelector("#save-ccfs-sk") as HTMLButtonElement);
    expect((await screen.findByTestId("ccfs-sk-error")).textContent?.trim()).toBe("Enter the SK (the developer's secret key for CC-FS)");

    const input = document.querySelector("#ccfs-sk") as HTMLInputElement;
    expect(input.type).toBe("password");
    await type(input, "the-secret-key");
    await fireEvent.click(document.querySelector("#save-ccfs-sk") as HTMLButtonElement);

    await waitFor(() => expect(screen.getByTestId("settings-ccfs-sk").dataset.saved).toBe("true"));
    expect(input.value, "the field is emptied once it is saved").toBe("");
    expect(JSON.stringify(backend.currentSettings), "the settings never carry it").not.toContain("the-secret-key");
    expect(document.body.innerHTML).not.toContain("the-secret-key");
    expect(screen.getByTestId("export-receiver").dataset.state).toBe("listening");

    await fireEvent.click(document.querySelector("#forget-ccfs-sk") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("settings-ccfs-sk").dataset.saved).toBe("false"));
    expect(backend.calls.filter((c) => c.method === "forgetCcfsSk")).toHaveLength(1);
    expect(screen.getByTestId("export-receiver").dataset.state).toBe("off");
  });

  it("shows why the receiver failed, and the computer's zone when none is set", async () => {
    await openSettings(
      settingsView({
        role: "supervisor",
        export: exportView({ ak: "ak-1" }, { skSaved: true, zone: "Asia/Yekaterinburg", receiver: { state: "failed", reason: "Port 8443 is in use by another program; choose another" } }),
      }),
    );
    expect(screen.getByTestId("export-receiver").dataset.state).toBe("failed");
    expect(screen.getByTestId("export-receiver-text").textContent).toBe("Failed: Port 8443 is in use by another program; choose another");
    expect(field("export-zone").placeholder).toBe("Asia/Yekaterinburg");
  });

  it("says when callbacks come through the relay", async () => {
    const url = "https://relay.example.com/ccfs/callback";
    await openSettings(
      settingsView({
        role: "supervisor",
        export: exportView({ ak: "ak-1", callbackUrl: url }, { skSaved: true, receiver: { state: "viaRelay", url } }),
      }),
    );
    expect(screen.getByTestId("export-receiver").dataset.state).toBe("viaRelay");
    expect(screen.getByTestId("export-receiver-text").textContent).toBe(`Through the relay: CC-FS calls ${url}`);
  });

  it("says when the demo's CC-FS is in use", async () => {
    await openSettings(
      settingsView({
        role: "supervisor",
        export: exportView({}, { demo: true, receiver: { state: "listening", url: "http://127.0.0.1:40001/ccfs/callback" } }),
      }),
    );
    expect(screen.getByTestId("export-demo").textContent).toContain("built-in CC-FS simulator");
    expect(screen.getByTestId("export-receiver-text").textContent).toBe("Listening: CC-FS calls http://127.0.0.1:40001/ccfs/callback");
  });
});

import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { CallView } from "./lib/backend";
import { deskSnapshot, FakeBackend } from "./lib/backend/fake";
import { locale } from "./lib/i18n";

const demoAgent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected", demo: true } as const;

const ringing: CallView = {
  callId: "1732250000-0007",
  caller: "+74951234567",
  callee: "40038",
  direction: "inbound",
  state: "ringing",
  offeredAtMs: Date.now() - 3_000,
  answeredAtMs: null,
  endedAtMs: null,
  endedBy: null,
};

function renderWith(backend: FakeBackend) {
  render(App, { props: { backend } });
  return backend;
}

afterEach(() => locale.set("en"));

describe("signed out", () => {
  it("shows the sign-in form prefilled from settings, and Try the demo starts the demo", async () => {
    const backend = renderWith(
      new FakeBackend({
        settings: { gatewayUrl: "https://cc.example.com:8043", agentId: 1001, phoneNumber: "40038", language: "en" },
      }),
    );
    await screen.findByTestId("signin-form");
    expect(screen.getByLabelText<HTMLInputElement>("Gateway address").value).toBe("https://cc.example.com:8043");
    expect(document.querySelector<HTMLInputElement>("#agent-id")?.value).toBe("1001");
    expect(document.querySelector<HTMLInputElement>("#password")?.value, "the password is never prefilled").toBe("");

    await fireEvent.click(screen.getByRole("button", { name: "Try the demo" }));

    expect(backend.calls.map((c) => c.method)).toContain("startDemo");
    expect(await screen.findByTestId("demo-badge")).toBeTruthy();
    expect(screen.queryByTestId("signin-form"), "a signed-in desk has no sign-in form").toBeNull();
  });

  it("shows the backend's message when sign-in is rejected, and keeps what was typed", async () => {
    const backend = new FakeBackend();
    backend.fail("signIn", { code: "invalidInput", message: "Agent ID must be between 101 and 999999." });
    renderWith(backend);
    await screen.findByTestId("signin-form");

    const agentId = document.querySelector<HTMLInputElement>("#agent-id");
    const password = document.querySelector<HTMLInputElement>("#password");
    if (!agentId || !password) throw new Error("the form lost its inputs");
    await fireEvent.input(agentId, { target: { value: "42" } });
    await fireEvent.input(password, { target: { value: "secret" } });
    await fireEvent.click(document.querySelector("#sign-in") as HTMLButtonElement);

    const error = await screen.findByTestId("form-error");
    expect(error.textContent).toContain("Agent ID must be between 101 and 999999.");
    expect(agentId.value, "a rejected sign-in loses nothing").toBe("42");
    expect(password.value).toBe("secret");
    expect(backend.calls.find((c) => c.method === "signIn")?.args[0]).toMatchObject({ agentId: "42", password: "secret" });

    // The desk records the same failure as its notice; the form already says it, once is enough.
    backend.emit(deskSnapshot({ notice: { code: "invalidInput", message: "Agent ID must be between 101 and 999999." } }));
    await tick();
    expect(screen.queryByTestId("notice")).toBeNull();
  });

  it("explains on the sign-in form why the session ended", async () => {
    const notice = { code: "sessionLost" as const, message: "The gateway signed the agent out." };
    renderWith(new FakeBackend({ snapshot: deskSnapshot({ notice }) }));
    expect((await screen.findByTestId("notice")).dataset.code).toBe("sessionLost");
    expect(screen.getByTestId("signin-form")).toBeTruthy();
  });

  it("sends the fields as they stand, even when a change fired no input event", async () => {
    const backend = renderWith(
      new FakeBackend({
        settings: { gatewayUrl: "https://cc.example.com:8043", agentId: 1001, phoneNumber: "40038", language: "en" },
      }),
    );
    await screen.findByTestId("signin-form");
    // WebDriver's clear() and some autofills change the value without an input event.
    const phone = document.querySelector<HTMLInputElement>("#phone-number");
    if (!phone) throw new Error("no phone input");
    phone.value = "";
    await fireEvent.click(document.querySelector("#sign-in") as HTMLButtonElement);

    expect(backend.calls.find((c) => c.method === "signIn")?.args[0]).toEqual({
      gatewayUrl: "https://cc.example.com:8043",
      agentId: "1001",
      password: "",
      phoneNumber: "",
    });
  });
});

describe("signed in", () => {
  it("shows the agent, the state, the health and the demo badge in the status bar", async () => {
    renderWith(new FakeBackend({ snapshot: deskSnapshot(demoAgent) }));
    expect((await screen.findByTestId("status-agent")).textContent).toContain("1001");
    expect(screen.getByTestId("status-state").dataset.state).toBe("ready");
    expect(screen.getByTestId("status-state").textContent).toContain("Ready");
    expect(screen.getByTestId("status-health").dataset.health).toBe("connected");
    expect(screen.getByTestId("demo-badge")).toBeTruthy();
    expect(screen.getByTestId("no-call").textContent).toContain("Waiting for calls");
  });

  it("shows a ringing call, then follows it when the desk says it is answered", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: deskSnapshot(demoAgent, ringing) }));
    const card = await screen.findByTestId("call-card");
    expect(card.dataset.state).toBe("ringing");
    expect(screen.getByTestId("call-caller").textContent).toBe("+74951234567");
    expect(screen.getByTestId("call-id").textContent).toBe("1732250000-0007");
    expect(screen.getByTestId("call-direction").dataset.direction).toBe("inbound");
    expect(screen.getByTestId("call-timer").textContent).toMatch(/^00:0[2-4]$/);

    backend.emit(deskSnapshot({ ...demoAgent, agentState: "busy" }, { ...ringing, state: "talking", answeredAtMs: Date.now() }));

    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("talking"));
    expect(screen.getByTestId("call-state").textContent).toContain("Talking");
    expect(screen.getByTestId("call-timer").textContent, "talk time starts at the answer").toBe("00:00");
    expect(screen.getByTestId("status-state").dataset.state).toBe("busy");
  });

  it("says who ended the call", async () => {
    const ended = { ...ringing, state: "ended" as const, answeredAtMs: 1_000, endedAtMs: 66_000, endedBy: "customer" as const };
    renderWith(new FakeBackend({ snapshot: deskSnapshot(demoAgent, ended) }));
    expect((await screen.findByTestId("call-state")).textContent).toContain("Ended by customer");
    expect(screen.getByTestId("call-timer").textContent).toBe("01:05");
  });

  it("shows the desk's notice with its code and message", async () => {
    const notice = { code: "sessionLost" as const, message: "The gateway signed the agent out." };
    renderWith(new FakeBackend({ snapshot: deskSnapshot({ ...demoAgent, health: "lost", notice }) }));
    const banner = await screen.findByTestId("notice");
    expect(banner.dataset.code).toBe("sessionLost");
    expect(banner.textContent).toContain("Session lost");
    expect(banner.textContent).toContain("The gateway signed the agent out.");
  });

  it("signs out through the backend", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: deskSnapshot(demoAgent) }));
    await fireEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(backend.calls.map((c) => c.method)).toContain("signOut");
    expect(await screen.findByTestId("signin-form")).toBeTruthy();
  });
});

describe("settings", () => {
  it("switches the language through the backend and the UI follows", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: deskSnapshot(demoAgent) }));
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    const select = (await screen.findByTestId("settings")).querySelector<HTMLSelectElement>("#language");
    if (!select) throw new Error("no language select");

    await fireEvent.change(select, { target: { value: "ru" } });

    await waitFor(() => expect(backend.currentSettings.language).toBe("ru"));
    await fireEvent.click(document.querySelector("#close-settings") as HTMLButtonElement);
    expect((await screen.findByTestId("no-call")).textContent).toContain("Ожидание звонков");
    expect(screen.getByTestId("status-agent").textContent).toBe("Агент 1001");
  });
});

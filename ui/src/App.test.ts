import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { AuditEntry, CallView, DeskSnapshot, SessionView, SettingsView, StateChoice } from "./lib/backend";
import { callActions, callNotes, deskSnapshot, FakeBackend, NO_KEY, NO_ODFS_SECRET, settingsView, withDerived } from "./lib/backend/fake";
import { locale } from "./lib/i18n";

const demoAgent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected", demo: true } as const;

/** A snapshot with `actions` and `canChangeState` as the desk derives them. */
function desk(session: Partial<SessionView>, call: CallView | null = null): DeskSnapshot {
  return withDerived(deskSnapshot(session, call));
}

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
  actions: callActions("ringing", "inbound"),
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
        settings: settingsView({ gatewayUrl: "https://cc.example.com:8043", agentId: 1001, phoneNumber: "40038", language: "en" }),
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
        settings: settingsView({ gatewayUrl: "https://cc.example.com:8043", agentId: 1001, phoneNumber: "40038", language: "en" }),
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
      remember: false,
      force: false,
    });
  });

  it("asks before taking over a session held elsewhere, and forces only when told to", async () => {
    const backend = new FakeBackend({
      settings: settingsView({ gatewayUrl: "https://cc.example.com:8043", agentId: 1001, phoneNumber: "40038", language: "en" }),
    });
    const plain = backend.signIn.bind(backend);
    const forced: boolean[] = [];
    backend.signIn = (form) => {
      forced.push(form.force);
      return form.force
        ? plain(form)
        : Promise.reject({ code: "alreadySignedIn", message: "The gateway refused (100-002): this agent is already signed in elsewhere" });
    };
    renderWith(backend);
    await screen.findByTestId("signin-form");
    await fireEvent.input(document.querySelector("#password") as HTMLInputElement, { target: { value: "pw" } });
    await fireEvent.click(document.querySelector("#sign-in") as HTMLButtonElement);
    expect((await screen.findByTestId("form-error")).dataset.code).toBe("alreadySignedIn");
    const takeOver = document.querySelector<HTMLButtonElement>("#force-sign-in");
    expect(takeOver?.textContent).toContain("Sign in here anyway");
    await fireEvent.click(takeOver as HTMLButtonElement);
    await screen.findByTestId("no-call");
    expect(forced, "a plain sign-in first, the forced one only after the click").toEqual([false, true]);
  });
});

describe("saved password", () => {
  const saved = settingsView({ gatewayUrl: "https://cc.example.com:8043", agentId: 1001, phoneNumber: "40038", language: "en", passwordSaved: true });
  const input = (id: string) => document.querySelector<HTMLInputElement>(`#${id}`) as HTMLInputElement;
  const forgetButton = () => document.querySelector<HTMLButtonElement>("#forget-password");

  it("sends the remember checkbox, unchecked by default", async () => {
    const backend = renderWith(new FakeBackend({ settings: { ...saved, passwordSaved: false } }));
    await screen.findByTestId("signin-form");
    const remember = screen.getByLabelText<HTMLInputElement>("Remember password on this computer");
    expect(remember.id).toBe("remember-password");
    expect(remember.checked).toBe(false);

    await fireEvent.input(input("password"), { target: { value: "secret" } });
    await fireEvent.click(remember);
    await fireEvent.click(document.querySelector("#sign-in") as HTMLButtonElement);

    expect(backend.calls.find((c) => c.method === "signIn")?.args[0]).toEqual({
      gatewayUrl: "https://cc.example.com:8043",
      agentId: "1001",
      password: "secret",
      phoneNumber: "40038",
      remember: true,
      force: false,
    });
    await waitFor(() => expect(backend.currentSettings.passwordSaved).toBe(true));
  });

  it("offers no saved password when none is saved", async () => {
    renderWith(new FakeBackend({ settings: { ...saved, passwordSaved: false } }));
    await screen.findByTestId("signin-form");
    expect(input("password").placeholder).toBe("");
    expect(forgetButton()).toBeNull();
  });

  it("says the password is saved while the gateway and agent are the saved ones", async () => {
    renderWith(new FakeBackend({ settings: saved }));
    await screen.findByTestId("signin-form");
    expect(input("password").placeholder).toBe("Saved in the system keychain");
    expect(forgetButton()?.textContent?.trim()).toBe("Forget saved password");

    await fireEvent.input(input("agent-id"), { target: { value: "1002" } });
    expect(input("password").placeholder, "another agent has no saved password").toBe("");
    expect(forgetButton()).toBeNull();

    await fireEvent.input(input("agent-id"), { target: { value: "1001" } });
    await fireEvent.input(input("gateway-url"), { target: { value: "https://other.example.com:8043" } });
    expect(input("password").placeholder, "nor another gateway").toBe("");
    expect(forgetButton()).toBeNull();

    await fireEvent.input(input("gateway-url"), { target: { value: "https://cc.example.com:8043/ " } });
    expect(input("password").placeholder).toBe("Saved in the system keychain");
    expect(forgetButton()).not.toBeNull();
  });

  it("signs in with the password field left empty", async () => {
    const backend = renderWith(new FakeBackend({ settings: saved }));
    await screen.findByTestId("signin-form");
    await fireEvent.click(document.querySelector("#sign-in") as HTMLButtonElement);
    expect(backend.calls.find((c) => c.method === "signIn")?.args[0]).toMatchObject({ password: "", remember: false });
    expect(await screen.findByTestId("status-agent")).toBeTruthy();
    expect(screen.queryByTestId("form-error")).toBeNull();
  });

  it("forgets the saved password through the backend, and the hint goes away", async () => {
    const backend = renderWith(new FakeBackend({ settings: saved }));
    await screen.findByTestId("signin-form");
    await fireEvent.click(forgetButton() as HTMLButtonElement);

    expect(backend.calls.map((c) => c.method)).toContain("forgetPassword");
    await waitFor(() => expect(forgetButton()).toBeNull());
    expect(input("password").placeholder).toBe("");
    expect(backend.currentSettings.passwordSaved).toBe(false);

    // Without a saved password an empty field is refused, as the desk refuses it.
    await fireEvent.click(document.querySelector("#sign-in") as HTMLButtonElement);
    expect((await screen.findByTestId("form-error")).textContent).toContain("Enter your agent password");
  });

  it("shows why forgetting failed and keeps the hint", async () => {
    const backend = new FakeBackend({ settings: saved });
    backend.fail("forgetPassword", { code: "storage", message: "The keychain is locked." });
    renderWith(backend);
    await screen.findByTestId("signin-form");
    await fireEvent.click(forgetButton() as HTMLButtonElement);

    expect((await screen.findByTestId("forget-error")).textContent).toContain("The keychain is locked.");
    expect(forgetButton()).not.toBeNull();
  });

  it("can be forgotten from the settings", async () => {
    const backend = renderWith(new FakeBackend({ settings: saved }));
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    const row = await screen.findByTestId("settings-password");
    expect(row.textContent).toContain("Saved password");
    expect(row.textContent).toContain("Saved in the system keychain");

    await fireEvent.click(document.querySelector("#settings-forget-password") as HTMLButtonElement);

    expect(backend.calls.map((c) => c.method)).toContain("forgetPassword");
    await waitFor(() => expect(row.textContent).toContain("Not saved"));
    expect(document.querySelector("#settings-forget-password")).toBeNull();
    await fireEvent.click(document.querySelector("#close-settings") as HTMLButtonElement);
    expect(forgetButton(), "the sign-in form follows").toBeNull();
  });

  it("speaks Russian", async () => {
    renderWith(new FakeBackend({ settings: { ...saved, language: "ru" } }));
    await screen.findByTestId("signin-form");
    expect(input("password").placeholder).toBe("Сохранён в системной связке ключей");
    expect(forgetButton()?.textContent?.trim()).toBe("Забыть сохранённый пароль");
    expect(screen.getByLabelText("Запомнить пароль на этом компьютере")).toBeTruthy();
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

  it("tells the backend once, after the first screen is drawn with the desk's state", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, ringing) }));
    const shown = () => backend.calls.filter((c) => c.method === "windowShown").length;
    await screen.findByTestId("call-card");
    await waitFor(() => expect(shown()).toBe(1));
    const first = backend.calls.findIndex((c) => c.method === "windowShown");
    expect(backend.calls.slice(0, first).map((c) => c.method), "after the snapshot and the settings").toEqual(
      expect.arrayContaining(["snapshot", "settings"]),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(shown(), "only once").toBe(1);
  });

  it("shows a ringing call, then follows it when the desk says it is answered", async () => {
    // Rung 3 s ago now (the fixture's times are from when the file loaded).
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, { ...ringing, offeredAtMs: Date.now() - 3_000 }) }));
    const card = await screen.findByTestId("call-card");
    expect(card.dataset.state).toBe("ringing");
    expect(screen.getByTestId("call-caller").textContent).toBe("+74951234567");
    expect(screen.getByTestId("call-id").textContent).toBe("1732250000-0007");
    expect(screen.getByTestId("call-direction").dataset.direction).toBe("inbound");
    expect(screen.getByTestId("call-timer").textContent).toMatch(/^00:0[2-4]$/);

    backend.emit(desk({ ...demoAgent, agentState: "busy" }, { ...ringing, state: "talking", answeredAtMs: Date.now() }));

    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("talking"));
    expect(screen.getByTestId("call-state").textContent).toContain("Talking");
    expect(screen.getByTestId("call-timer").textContent, "talk time starts at the answer").toBe("00:00");
    expect(screen.getByTestId("status-state").dataset.state).toBe("busy");
  });

  it("says who ended the call", async () => {
    const ended = { ...ringing, state: "ended" as const, answeredAtMs: 1_000, endedAtMs: 66_000, endedBy: "customer" as const };
    renderWith(new FakeBackend({ snapshot: desk(demoAgent, ended) }));
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

describe("language", () => {
  it("follows the system language the backend reports when set to auto", async () => {
    renderWith(
      new FakeBackend({
        settings: settingsView({ systemLanguage: "ru-RU" }),
      }),
    );
    expect((await screen.findByText("Попробовать демо")).id).toBe("try-demo");
  });

  it("keeps an explicit choice over the system language", async () => {
    renderWith(
      new FakeBackend({
        settings: settingsView({ language: "en", systemLanguage: "ru-RU" }),
      }),
    );
    expect((await screen.findByText("Try the demo")).id).toBe("try-demo");
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

describe("call control", () => {
  const button = (id: string) => document.querySelector<HTMLButtonElement>(`#${id}`);
  const shown = () => ["call-answer", "call-hold", "call-unhold", "call-hangup"].filter((id) => button(id));

  it("shows exactly the buttons the desk allows, and each sends its intent", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, ringing) }));
    await screen.findByTestId("call-card");
    expect(shown(), "a ringing call can only be answered").toEqual(["call-answer"]);
    expect(button("call-answer")?.textContent).toContain("Answer");

    await fireEvent.click(button("call-answer") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("talking"));
    expect(shown()).toEqual(["call-hold", "call-hangup"]);

    await fireEvent.click(button("call-hold") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("held"));
    expect(shown(), "Hold turns into Resume").toEqual(["call-unhold", "call-hangup"]);
    expect(button("call-unhold")?.textContent).toContain("Resume");

    await fireEvent.click(button("call-unhold") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("talking"));

    await fireEvent.click(button("call-hangup") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("ended"));
    expect(shown(), "an ended call has no buttons").toEqual([]);
    expect(screen.getByTestId("call-state").textContent).toContain("Ended by agent");

    expect(backend.calls.map((c) => c.method).filter((m) => m !== "snapshot" && m !== "settings")).toEqual([
      "answerCall",
      "holdCall",
      "unholdCall",
      "hangUp",
    ]);
  });

  it("follows the desk's actions, not the call state", async () => {
    // An outbound call ringing at the customer's end cannot be answered (or hung up, per the desk).
    const outbound = { ...ringing, direction: "outbound" as const, actions: callActions("ringing", "outbound") };
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, outbound) }));
    await screen.findByTestId("call-card");
    expect(shown()).toEqual([]);
    expect(screen.queryByRole("group", { name: "Call controls" })).toBeNull();

    const actions = { answer: false, hold: false, unhold: false, hangUp: true };
    const talking = { ...ringing, state: "talking" as const, actions };
    backend.emit(deskSnapshot({ ...demoAgent, agentState: "busy" }, talking));
    await waitFor(() => expect(shown()).toEqual(["call-hangup"]));
  });

  it("disables Answer while the request is in flight, and enables it again when it fails", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent, ringing) });
    let reject: (e: unknown) => void = () => {};
    backend.answerCall = () => new Promise((_, r) => (reject = r));
    renderWith(backend);
    const answer = await screen.findByRole<HTMLButtonElement>("button", { name: "Answer" });
    expect(answer.id).toBe("call-answer");
    expect(answer.disabled).toBe(false);

    await fireEvent.click(answer);
    expect(answer.disabled, "a second click cannot send it twice").toBe(true);

    reject({ code: "gatewayRefused", message: "The call is no longer ringing." });
    await waitFor(() => expect(answer.disabled).toBe(false));
    expect((await screen.findByTestId("action-error")).textContent).toContain("The call is no longer ringing.");
  });

  it("shows why the desk refused an action", async () => {
    const talking = { ...ringing, state: "talking" as const, actions: callActions("talking", "inbound") };
    const backend = new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "busy" }, talking) });
    backend.fail("holdCall", { code: "gatewayRefused", message: "Hold is not available on this trunk." });
    renderWith(backend);
    await fireEvent.click(await screen.findByRole("button", { name: "Hold" }));

    const error = await screen.findByTestId("action-error");
    expect(error.dataset.code).toBe("gatewayRefused");
    expect(error.textContent).toContain("Hold is not available on this trunk.");
    expect(screen.getByTestId("call-card").dataset.state, "nothing changed").toBe("talking");
    expect(button("call-hold")?.disabled).toBe(false);
  });

  it("speaks Russian", async () => {
    const settings = settingsView({ language: "ru" });
    const held = { ...ringing, state: "held" as const, actions: callActions("held", "inbound") };
    renderWith(new FakeBackend({ settings, snapshot: desk(demoAgent, held) }));
    await screen.findByTestId("call-card");
    expect(button("call-unhold")?.textContent).toContain("Вернуть");
    expect(button("call-hangup")?.textContent).toContain("Завершить");
  });
});

describe("agent state picker", () => {
  const picker = () => document.querySelector<HTMLButtonElement>("#state-picker") as HTMLButtonElement;

  it("lists the choices and marks the current state", async () => {
    renderWith(new FakeBackend({ snapshot: desk(demoAgent) }));
    await screen.findByTestId("status-state");
    expect(screen.queryByTestId("state-menu")).toBeNull();

    await fireEvent.click(picker());
    const menu = await screen.findByTestId("state-menu");
    expect(menu.getAttribute("role")).toBe("menu");
    expect(picker().getAttribute("aria-expanded")).toBe("true");
    const items = Array.from(menu.querySelectorAll<HTMLElement>("[role=menuitemradio]"));
    expect(items.map((i) => i.id)).toEqual(["state-ready", "state-not-ready", "state-rest-15", "state-rest-30", "state-wrap-up"]);
    expect(items.map((i) => i.textContent?.trim())).toEqual(["Ready", "Not ready", "Break 15 min", "Break 30 min", "Wrap-up"]);
    expect(items.filter((i) => i.getAttribute("aria-checked") === "true").map((i) => i.id)).toEqual(["state-ready"]);
  });

  it.each<[string, StateChoice, string]>([
    ["state-ready", { kind: "ready" }, "ready"],
    ["state-not-ready", { kind: "notReady", reason: null }, "notReady"],
    ["state-rest-15", { kind: "rest", minutes: 15 }, "rest"],
    ["state-rest-30", { kind: "rest", minutes: 30 }, "rest"],
    ["state-wrap-up", { kind: "wrapUp" }, "wrapUp"],
  ])("%s asks for %j and shows the state the desk confirms", async (id, choice, confirmed) => {
    const start = id === "state-ready" ? "notReady" : "ready";
    const backend = renderWith(new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: start }) }));
    await screen.findByTestId("status-state");
    await fireEvent.click(picker());
    await fireEvent.click((await screen.findByTestId("state-menu")).querySelector(`#${id}`) as HTMLElement);

    expect(backend.calls.find((c) => c.method === "setAgentState")?.args).toEqual([choice]);
    await waitFor(() => expect(screen.getByTestId("status-state").dataset.state).toBe(confirmed));
    expect(screen.queryByTestId("state-menu"), "choosing closes the menu").toBeNull();
  });

  it("keeps showing the desk's state until the gateway confirms, with a pending mark meanwhile", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent), confirmMs: 80 }));
    await screen.findByTestId("status-state");
    await fireEvent.click(picker());
    await fireEvent.click((await screen.findByTestId("state-menu")).querySelector("#state-not-ready") as HTMLElement);

    await waitFor(() => expect(backend.calls.some((c) => c.method === "setAgentState")).toBe(true));
    expect(screen.getByTestId("status-state").dataset.state, "not before the desk says so").toBe("ready");
    expect(screen.getByTestId("state-pending")).toBeTruthy();

    await waitFor(() => expect(screen.getByTestId("status-state").dataset.state).toBe("notReady"));
    expect(screen.queryByTestId("state-pending")).toBeNull();
  });

  it("offers the platform's not-ready reasons and sends the chosen code", async () => {
    const reasons = [
      { code: 201, label: "Training" },
      { code: 203, label: "Back-office work" },
    ];
    const backend = renderWith(new FakeBackend({ snapshot: desk({ ...demoAgent, busyReasons: reasons }) }));
    await screen.findByTestId("status-state");
    await fireEvent.click(picker());
    const menu = await screen.findByTestId("state-menu");
    const items = Array.from(menu.querySelectorAll<HTMLElement>("[role=menuitemradio]"));
    expect(items.map((i) => i.id).slice(1, 4)).toEqual(["state-not-ready", "state-not-ready-201", "state-not-ready-203"]);
    expect(items[3].textContent?.trim()).toBe("Not ready · Back-office work");
    await fireEvent.click(menu.querySelector("#state-not-ready-203") as HTMLElement);

    expect(backend.calls.find((c) => c.method === "setAgentState")?.args).toEqual([{ kind: "notReady", reason: 203 }]);
    await waitFor(() => expect(screen.getByTestId("status-state").dataset.state).toBe("notReady"));
    await fireEvent.click(picker());
    const checked = (await screen.findByTestId("state-menu")).querySelectorAll("[aria-checked=true]");
    expect(Array.from(checked).map((i) => i.id), "the chosen reason is marked, not plain Not ready").toEqual([
      "state-not-ready-203",
    ]);
  });

  it("is disabled, with the reason, while a call is up", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, ringing) }));
    await screen.findByTestId("call-card");
    expect(picker().disabled).toBe(true);
    expect(picker().title).toBe("You can change your state once the call has ended");
    await fireEvent.click(picker());
    expect(screen.queryByTestId("state-menu")).toBeNull();

    // Once the call has ended the desk allows it again.
    backend.emit(desk(demoAgent, { ...ringing, state: "ended", endedAtMs: Date.now(), endedBy: "customer" }));
    await waitFor(() => expect(picker().disabled).toBe(false));
  });

  it("closes the open menu when a call comes in", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent) }));
    await screen.findByTestId("status-state");
    await fireEvent.click(picker());
    await screen.findByTestId("state-menu");
    backend.emit(desk(demoAgent, ringing));
    await waitFor(() => expect(screen.queryByTestId("state-menu")).toBeNull());
  });

  it("is keyboard navigable: arrows move, Escape closes and gives focus back", async () => {
    renderWith(new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "notReady" }) }));
    await screen.findByTestId("status-state");
    picker().focus();
    await fireEvent.keyDown(picker(), { key: "ArrowDown" });
    const menu = await screen.findByTestId("state-menu");
    await waitFor(() => expect(document.activeElement?.id, "the current state has focus").toBe("state-not-ready"));

    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement?.id).toBe("state-rest-15");
    await fireEvent.keyDown(menu, { key: "End" });
    expect(document.activeElement?.id).toBe("state-wrap-up");
    await fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement?.id, "wraps around").toBe("state-ready");
    await fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(document.activeElement?.id).toBe("state-wrap-up");

    await fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByTestId("state-menu")).toBeNull();
    expect(document.activeElement).toBe(picker());
  });

  it("closes on a click outside", async () => {
    renderWith(new FakeBackend({ snapshot: desk(demoAgent) }));
    await screen.findByTestId("status-state");
    await fireEvent.click(picker());
    await screen.findByTestId("state-menu");
    await fireEvent.pointerDown(screen.getByTestId("no-call"));
    expect(screen.queryByTestId("state-menu")).toBeNull();
  });

  it("shows why a state change was refused", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    backend.fail("setAgentState", { code: "gatewayRefused", message: "Reason code 200 is not configured." });
    renderWith(backend);
    await screen.findByTestId("status-state");
    await fireEvent.click(picker());
    await fireEvent.click((await screen.findByTestId("state-menu")).querySelector("#state-not-ready") as HTMLElement);

    expect((await screen.findByTestId("action-error")).textContent).toContain("Reason code 200 is not configured.");
    expect(screen.getByTestId("status-state").dataset.state).toBe("ready");
    expect(screen.queryByTestId("state-pending"), "no pending mark after a refusal").toBeNull();
  });
});

describe("notes", () => {
  it("the focus-notes hotkey (or a click on the call's notification) closes a panel and puts the cursor in the notes", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, { ...ringing, state: "talking", answeredAtMs: Date.now() }) }));
    await screen.findByTestId("call-card");
    await fireEvent.click(document.querySelector("#open-settings") as HTMLButtonElement);
    expect(document.querySelector("#close-settings")).not.toBeNull();
    backend.pressHotkey("focusNotes");
    await waitFor(() => expect(document.activeElement?.id).toBe("note-text"));
    expect(document.querySelector("#close-settings"), "the settings panel is closed").toBeNull();
  });

  const talking = { ...ringing, state: "talking" as const, answeredAtMs: Date.now(), actions: callActions("talking", "inbound") };
  const area = () => document.querySelector<HTMLTextAreaElement>("#note-text") as HTMLTextAreaElement;
  const attach = () => document.querySelector<HTMLButtonElement>("#note-attach") as HTMLButtonElement;

  it("attaches a note to the call on the card, and shows it as the desk delivers it", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "busy" }, talking), deliverMs: 60 }));
    await screen.findByTestId("call-card");
    expect(screen.getByTestId("notes-list").children).toHaveLength(0);

    await fireEvent.input(area(), { target: { value: "Wants the delivery moved to Friday" } });
    await fireEvent.keyDown(area(), { key: "Enter", ctrlKey: true });

    expect(backend.calls.find((c) => c.method === "attachNote")?.args).toEqual(["1732250000-0007", "Wants the delivery moved to Friday"]);
    const note = await screen.findByTestId("note");
    expect(note.textContent).toContain("Wants the delivery moved to Friday");
    expect(note.dataset.delivery).toBe("pending");
    await waitFor(() => expect(screen.getByTestId("note").dataset.delivery).toBe("confirmed"));
    expect(area().value).toBe("");
    expect(screen.queryByTestId("action-error"), "nothing went wrong").toBeNull();
  });

  it("shows a refused note's reason in the editor, not as a banner, and keeps the text", async () => {
    const backend = new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "busy" }, talking) });
    backend.fail("attachNote", { code: "storage", message: "Notes cannot be saved: the disk is full" });
    renderWith(backend);
    await screen.findByTestId("call-card");
    await fireEvent.input(area(), { target: { value: "Keep me" } });
    await fireEvent.click(attach());

    expect((await screen.findByTestId("note-error")).textContent).toContain("the disk is full");
    expect(screen.queryByTestId("action-error")).toBeNull();
    expect(area().value).toBe("Keep me");
  });

  it("keeps the call controls and lists the notes of the call in every delivery state", async () => {
    const notes = (["pending", "sending", "confirmed", "failed", "notAttached"] as const).map((delivery, i) => ({
      id: i + 1,
      author: 1001,
      atMs: Date.now(),
      text: `Note ${i + 1}`,
      delivery,
      reason: delivery === "failed" ? "The gateway refused the call data (000-002)" : null,
    }));
    renderWith(new FakeBackend({ snapshot: withDerived(deskSnapshot(demoAgent, talking, callNotes(talking.callId, notes, 1001))) }));
    await screen.findByTestId("call-card");
    expect(screen.getAllByTestId("note").map((n) => n.dataset.delivery)).toEqual([
      "pending",
      "sending",
      "confirmed",
      "failed",
      "notAttached",
    ]);
    expect(screen.getAllByTestId("note-delivery")[3]?.title).toBe("Not attached: The gateway refused the call data (000-002)");
    expect(document.querySelector("#call-hangup")).not.toBeNull();
  });

  it("disables the editor when notes are unavailable", async () => {
    renderWith(new FakeBackend({ snapshot: desk({ ...demoAgent, demo: false }, talking) }));
    await screen.findByTestId("call-card");
    expect(screen.getByTestId("notes-unavailable").textContent).toContain(NO_KEY);
    expect(area().disabled).toBe(true);
    expect(attach().disabled).toBe(true);
  });

  it("turns into the wrap-up view after the call: the editor stays, and says notes are kept, not attached", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "busy" }, talking) }));
    await screen.findByTestId("call-card");
    expect(screen.queryByTestId("notes-ended")).toBeNull();
    await fireEvent.click(document.querySelector("#call-hangup") as HTMLButtonElement);

    await screen.findByTestId("notes-ended");
    await fireEvent.input(area(), { target: { value: "Typed in wrap-up" } });
    await fireEvent.click(attach());
    await waitFor(() => expect(screen.getByTestId("note").dataset.delivery).toBe("notAttached"));
    expect(screen.getByTestId("note-reason").textContent).toBe("Not attached: typed after the call ended. Kept here.");
    expect(backend.current.call?.state).toBe("ended");
  });

  it("starts a fresh editor for the next call, so a draft never goes to another call", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent, { ...talking, state: "ended", endedAtMs: Date.now() }) }));
    await screen.findByTestId("call-card");
    await fireEvent.input(area(), { target: { value: "Draft for the first call" } });
    backend.emit(desk(demoAgent, { ...ringing, callId: "1732250000-0008" }));
    await waitFor(() => expect(screen.getByTestId("call-id").textContent).toBe("1732250000-0008"));
    expect(area().value).toBe("");
  });
});

describe("call history", () => {
  /** A call answered 65 s ago that has just ended (times taken when the test runs). */
  const endedNow = () => ({ ...ringing, state: "ended" as const, answeredAtMs: Date.now() - 65_000, endedAtMs: Date.now(), endedBy: "customer" as const });

  it("opens from the status bar, lists calls newest first, and shows a call's notes when expanded", async () => {
    const ended = endedNow();
    const backend = new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "busy" }, { ...ended, state: "talking", endedAtMs: null, endedBy: null }) });
    renderWith(backend);
    await screen.findByTestId("call-card");
    await backend.attachNote("1732250000-0007", "First call's note");
    await backend.hangUp();
    backend.emit(desk(demoAgent, { ...ringing, callId: "1732250000-0008", caller: "+78120000000", offeredAtMs: Date.now() }));

    const open = document.querySelector<HTMLButtonElement>("#open-history") as HTMLButtonElement;
    expect(open.getAttribute("aria-label")).toBe("Call history");
    await fireEvent.click(open);

    const panel = await screen.findByTestId("history");
    expect(backend.calls.map((c) => c.method)).toContain("callHistory");
    expect(screen.getByTestId("call-card").closest("main")?.hidden, "the call card waits, hidden").toBe(true);
    await waitFor(() => expect(screen.getAllByTestId("history-call")).toHaveLength(2));
    const rows = screen.getAllByTestId("history-call");
    expect(rows.map((r) => r.dataset.callId)).toEqual(["1732250000-0008", "1732250000-0007"]);
    expect(rows[0]?.textContent).toContain("+78120000000");
    expect(rows[0]?.querySelector("[data-testid=history-duration]")?.textContent?.trim()).toBe("In progress");
    expect(rows[1]?.querySelector("[data-testid=history-note-count]")?.textContent?.trim()).toBe("1 note");
    expect(rows[1]?.querySelector("[data-testid=history-duration]")?.textContent?.trim()).toMatch(/^01:0\d$/);
    expect(panel.querySelector("[data-testid=note]"), "notes show only when asked").toBeNull();

    const toggle = rows[1]?.querySelector("button") as HTMLButtonElement;
    await fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const note = rows[1]?.querySelector<HTMLElement>("[data-testid=note]");
    expect(note?.textContent).toContain("First call's note");
    expect(note?.dataset.delivery).toBe("confirmed");
    expect(note?.querySelector("[data-testid=note-delivery]")?.getAttribute("title")).toBe("Attached to the call");

    await fireEvent.click(document.querySelector("#close-history") as HTMLButtonElement);
    expect(screen.queryByTestId("history")).toBeNull();
    expect(screen.getByTestId("call-card").closest("main")?.hidden).toBe(false);
  });

  it("opens from the idle view and says when there are no calls", async () => {
    renderWith(new FakeBackend({ snapshot: desk(demoAgent) }));
    const idle = await screen.findByTestId("no-call");
    const open = idle.querySelector<HTMLButtonElement>("#idle-open-history") as HTMLButtonElement;
    expect(open.textContent?.trim()).toBe("Call history");
    await fireEvent.click(open);
    expect((await screen.findByTestId("history-empty")).textContent).toContain("No calls yet");
    expect(document.querySelector("#open-history")?.getAttribute("aria-pressed"), "the status bar shows it open").toBe("true");
  });

  it("gives way to a call that starts ringing", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(demoAgent) }));
    await screen.findByTestId("no-call");
    await fireEvent.click(document.querySelector("#open-history") as HTMLButtonElement);
    await screen.findByTestId("history");
    backend.emit(desk(demoAgent, ringing));
    await waitFor(() => expect(screen.queryByTestId("history")).toBeNull());
    expect(screen.getByTestId("call-card").dataset.state).toBe("ringing");
  });

  it("shows why the history could not be read", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    backend.fail("callHistory", { code: "storage", message: "notes cannot be saved: the database is locked" });
    renderWith(backend);
    await screen.findByTestId("no-call");
    await fireEvent.click(document.querySelector("#open-history") as HTMLButtonElement);
    expect((await screen.findByTestId("history-error")).textContent).toContain("the database is locked");
  });
});

describe("call-data key", () => {
  const key = "00112233445566778899aabbccddeeff";
  const keyInput = () => document.querySelector<HTMLInputElement>("#call-data-key") as HTMLInputElement;

  async function openSettings(backend: FakeBackend) {
    renderWith(backend);
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    return screen.findByTestId("settings-call-data-key");
  }

  it("is write-only: saved through the backend, then the field is emptied and only 'Saved' shows", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    const row = await openSettings(backend);
    expect(row.dataset.saved).toBe("false");
    expect(keyInput().type).toBe("password");
    expect(document.querySelector("#forget-call-data-key")).toBeNull();
    expect(screen.getByText("16 bytes: 32 hex characters or 24 Base64 characters, from your administrator.")).toBeTruthy();

    await fireEvent.input(keyInput(), { target: { value: key } });
    await fireEvent.click(document.querySelector("#save-call-data-key") as HTMLButtonElement);

    expect(backend.calls.find((c) => c.method === "setCallDataKey")?.args).toEqual([key]);
    await waitFor(() => expect(row.dataset.saved).toBe("true"));
    expect(row.textContent).toContain("Saved");
    expect(keyInput().value, "the key does not stay in the field").toBe("");
    const fields = Array.from(document.querySelectorAll("input")).map((i) => i.value);
    expect(fields.some((v) => v.includes(key)) || document.body.innerHTML.includes(key), "the key is nowhere in the page").toBe(
      false,
    );
  });

  it("shows what is wrong with a key and keeps it for fixing", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    await openSettings(backend);
    await fireEvent.input(keyInput(), { target: { value: "not-a-key" } });
    await fireEvent.submit(keyInput().form as HTMLFormElement);

    const error = await screen.findByTestId("call-data-key-error");
    expect(error.textContent).toContain("The key must be 16 bytes: 32 hex characters or 24 Base64 characters; this is 9 characters");
    expect(keyInput().value).toBe("not-a-key");
    expect(backend.currentSettings.callDataKeySaved).toBe(false);
  });

  it("can be forgotten", async () => {
    const backend = new FakeBackend({
      snapshot: desk(demoAgent),
      settings: settingsView({ language: "en", callDataKeySaved: true }),
    });
    const row = await openSettings(backend);
    expect(row.dataset.saved).toBe("true");
    await fireEvent.click(document.querySelector("#forget-call-data-key") as HTMLButtonElement);
    expect(backend.calls.map((c) => c.method)).toContain("forgetCallDataKey");
    await waitFor(() => expect(row.dataset.saved).toBe("false"));
    expect(row.textContent).toContain("Not set");
  });

  it("makes notes available in a session that had none", async () => {
    const talking = { ...ringing, state: "talking" as const, answeredAtMs: Date.now(), actions: callActions("talking", "inbound") };
    const backend = new FakeBackend({ snapshot: desk({ ...demoAgent, demo: false }, talking) });
    await openSettings(backend);
    await fireEvent.input(keyInput(), { target: { value: key } });
    await fireEvent.click(document.querySelector("#save-call-data-key") as HTMLButtonElement);
    await waitFor(() => expect(backend.currentSettings.callDataKeySaved).toBe(true));
    await fireEvent.click(document.querySelector("#close-settings") as HTMLButtonElement);
    expect(screen.queryByTestId("notes-unavailable")).toBeNull();
    expect(document.querySelector<HTMLTextAreaElement>("#note-text")?.disabled).toBe(false);
  });
});

describe("recording", () => {
  const talking = { ...ringing, state: "talking" as const, answeredAtMs: Date.now(), actions: callActions("talking", "inbound") };
  const busy = { ...demoAgent, agentState: "busy" } as const;
  const settingsWith = (over: Partial<SettingsView>) => settingsView({ language: "en", callDataKeySaved: true, ...over });
  const start = () => document.querySelector<HTMLButtonElement>("#record-start") as HTMLButtonElement;
  const stop = () => document.querySelector<HTMLButtonElement>("#record-stop") as HTMLButtonElement;
  const strip = () => screen.getByTestId("recording");
  const shortcut = () => fireEvent.keyDown(window, { key: "R", code: "KeyR", ctrlKey: true, shiftKey: true });

  it("never shows REC before the desk says recording: Record, then the spinner, then REC once ODFS confirmed", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(busy, talking), recordMs: 80 }));
    await screen.findByTestId("call-card");
    // The recording strip sits between the call controls and the notes, all in one card.
    const card = screen.getByTestId("call-card");
    expect(strip().compareDocumentPosition(card.querySelector("#call-hangup") as Node) & Node.DOCUMENT_POSITION_PRECEDING).toBeTruthy();
    expect(strip().compareDocumentPosition(screen.getByTestId("note-editor")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(strip().dataset.state).toBe("off");

    // Whenever REC is on screen, the desk has said `recording`.
    const seen: string[] = [];
    const watch = new MutationObserver(() => {
      if (card.textContent?.includes("REC")) seen.push(backend.current.recording?.state ?? "none");
    });
    watch.observe(card, { subtree: true, childList: true, characterData: true });

    await fireEvent.click(start());
    expect(backend.calls.map((c) => c.method)).toContain("startRecording");
    await waitFor(() => expect(strip().dataset.state).toBe("requesting"));
    expect(strip().textContent).toContain("Starting recording…");
    expect(card.textContent, "not before ODFS answers").not.toContain("REC");
    expect(start().disabled).toBe(true);

    await waitFor(() => expect(strip().dataset.state).toBe("recording"));
    watch.disconnect();
    expect(strip().textContent).toContain("REC");
    expect(screen.getByTestId("recording-elapsed").textContent).toBe("00:00");
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(["recording"]));
    expect(screen.queryByTestId("action-error")).toBeNull();
    expect(document.querySelector("#call-hangup"), "the call controls stay").not.toBeNull();
  });

  it("shows ODFS's refusal with its code, and Record stays available to retry", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(busy, talking), refuseRecording: true }));
    await screen.findByTestId("call-card");
    await fireEvent.click(start());

    await waitFor(() => expect(strip().dataset.state).toBe("failed"));
    expect(screen.getByTestId("recording-reason").textContent).toContain("ODFS did not start the recording (10000002)");
    expect(strip().textContent).not.toContain("REC");
    expect(start().disabled).toBe(false);

    backend.refuseRecording = false;
    await fireEvent.click(start());
    await waitFor(() => expect(strip().dataset.state).toBe("recording"));
    expect(screen.queryByTestId("recording-reason")).toBeNull();
  });

  it("shows a refusal of the desk in the strip, not as a banner", async () => {
    const backend = new FakeBackend({ snapshot: desk(busy, talking) });
    backend.fail("startRecording", { code: "invalidInput", message: "A recording request is already running" });
    renderWith(backend);
    await screen.findByTestId("call-card");
    await fireEvent.click(start());
    expect((await screen.findByTestId("recording-reason")).textContent).toBe("A recording request is already running");
    expect(screen.queryByTestId("action-error")).toBeNull();
    expect(start().disabled).toBe(false);
  });

  it("starts with Ctrl+Shift+R", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(busy, talking) }));
    await screen.findByTestId("call-card");
    expect(start().title).toBe("Start recording (Ctrl+Shift+R)");
    await shortcut();
    expect(backend.calls.filter((c) => c.method === "startRecording")).toHaveLength(1);
    await waitFor(() => expect(strip().dataset.state).toBe("recording"));
  });

  it("ignores Ctrl+Shift+R while the settings hide the card", async () => {
    const backend = renderWith(new FakeBackend({ snapshot: desk(busy, talking) }));
    await screen.findByTestId("call-card");
    await fireEvent.click(document.querySelector("#open-settings") as HTMLButtonElement);
    await screen.findByTestId("settings");
    await shortcut();
    expect(backend.calls.some((c) => c.method === "startRecording")).toBe(false);
  });

  it("stops on the gateway path, with Stop or Ctrl+Shift+R, and logs every step", async () => {
    const backend = renderWith(
      new FakeBackend({ snapshot: desk({ ...busy, demo: false }, talking), settings: settingsWith({ recordingPath: "gateway" }) }),
    );
    await screen.findByTestId("call-card");
    expect(strip().dataset.path).toBe("gateway");
    await fireEvent.click(start());
    await waitFor(() => expect(strip().dataset.state).toBe("recording"));
    expect(start(), "Stop takes Record's place").toBeNull();

    await fireEvent.click(stop());
    expect(backend.calls.map((c) => c.method)).toContain("stopRecording");
    await waitFor(() => expect(strip().dataset.state).toBe("off"));
    expect(start().disabled).toBe(false);

    await shortcut();
    await waitFor(() => expect(strip().dataset.state).toBe("recording"));
    await shortcut();
    await waitFor(() => expect(strip().dataset.state).toBe("off"));

    const log = await backend.recordingAudit();
    expect(log.map((e) => `${e.action}:${e.outcome}`).reverse()).toEqual([
      "start:accepted",
      "start:confirmed",
      "stop:accepted",
      "stop:confirmed",
      "start:accepted",
      "start:confirmed",
      "stop:accepted",
      "stop:confirmed",
    ]);
  });

  it("turns off when the call ends", async () => {
    renderWith(new FakeBackend({ snapshot: desk(busy, talking) }));
    await screen.findByTestId("call-card");
    await fireEvent.click(start());
    await waitFor(() => expect(strip().dataset.state).toBe("recording"));
    await fireEvent.click(document.querySelector("#call-hangup") as HTMLButtonElement);
    await waitFor(() => expect(screen.getByTestId("call-card").dataset.state).toBe("ended"));
    expect(screen.queryByTestId("recording"), "nothing to do with an ended call").toBeNull();
  });

  it("says why recording is unavailable: ODFS without its secret", async () => {
    renderWith(new FakeBackend({ snapshot: desk({ ...busy, demo: false }, talking), settings: settingsWith({ recordingPath: "odfs" }) }));
    await screen.findByTestId("call-card");
    expect(start().disabled).toBe(true);
    expect(start().title).toBe(NO_ODFS_SECRET);
    expect(screen.getByTestId("recording-hint").textContent).toBe(NO_ODFS_SECRET);
  });

  it("shows no recording where the deployment records none", async () => {
    renderWith(new FakeBackend({ snapshot: desk({ ...busy, demo: false }, talking), settings: settingsWith({ recordingPath: null }) }));
    await screen.findByTestId("call-card");
    expect(screen.queryByTestId("recording")).toBeNull();
    expect(document.querySelector("#record-start")).toBeNull();
  });

  it("speaks Russian", async () => {
    renderWith(new FakeBackend({ snapshot: desk(busy, talking), settings: settingsWith({ language: "ru" }) }));
    await screen.findByTestId("call-card");
    await waitFor(() => expect(start().textContent?.trim()).toBe("Записать"));
    expect(start().title).toBe("Начать запись (Ctrl+Shift+R)");
  });
});

describe("recording audit log", () => {
  const talking = { ...ringing, state: "talking" as const, answeredAtMs: Date.now(), actions: callActions("talking", "inbound") };

  async function openAudit() {
    await fireEvent.click(await screen.findByRole("button", { name: "Settings" }));
    await fireEvent.click((await screen.findByTestId("settings")).querySelector("#open-audit") as HTMLButtonElement);
    return screen.findByTestId("audit");
  }

  it("opens from the settings and says when there is nothing yet", async () => {
    renderWith(new FakeBackend({ snapshot: desk(demoAgent) }));
    await openAudit();
    expect((await screen.findByTestId("audit-empty")).textContent).toContain("No recording requests yet");
    await fireEvent.click(document.querySelector("#close-audit") as HTMLButtonElement);
    expect(await screen.findByTestId("settings"), "back goes back to the settings").toBeTruthy();
  });

  it("lists the requests newest first, with their outcome, path, call, code and message", async () => {
    const backend = new FakeBackend({ snapshot: desk({ ...demoAgent, agentState: "busy" }, talking), refuseRecording: true });
    renderWith(backend);
    await screen.findByTestId("call-card");
    await backend.startRecording();
    backend.refuseRecording = false;
    await backend.startRecording();

    const panel = await openAudit();
    expect(backend.calls.map((c) => c.method)).toContain("recordingAudit");
    await waitFor(() => expect(screen.getAllByTestId("audit-entry")).toHaveLength(2));
    const [newest, oldest] = screen.getAllByTestId("audit-entry") as [HTMLElement, HTMLElement];
    expect(newest.dataset.outcome).toBe("confirmed");
    expect(newest.querySelector("[data-testid=audit-outcome]")?.getAttribute("data-tone")).toBe("green");
    expect(newest.textContent).toContain("Confirmed");
    expect(newest.querySelector("[data-testid=audit-action]")?.textContent).toBe("Start");
    expect(newest.querySelector("[data-testid=audit-path]")?.textContent).toBe("ODFS");
    expect(newest.querySelector("[data-testid=audit-call-id]")?.textContent).toBe("1732250000-0007");
    expect(newest.querySelector("[data-testid=audit-code]")?.textContent).toBe("Code 0");
    expect(oldest.dataset.outcome).toBe("failed");
    expect(oldest.querySelector("[data-testid=audit-outcome]")?.getAttribute("data-tone")).toBe("red");
    expect(oldest.querySelector("[data-testid=audit-code]")?.textContent).toBe("Code 10000002");
    expect(oldest.querySelector("[data-testid=audit-message]")?.textContent).toContain("ODFS did not start the recording");

    // Read-only: the only buttons are Back and Export.
    expect(Array.from(panel.querySelectorAll("button")).map((b) => b.id)).toEqual(["close-audit", "export-audit"]);
    expect(panel.querySelector("input, textarea, select")).toBeNull();
  });

  it("colours each outcome: confirmed green, accepted grey, invalid and failed red", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    const entry = (id: number, outcome: AuditEntry["outcome"]): AuditEntry => ({
      id,
      atMs: Date.now() - id * 1000,
      agentId: 1001,
      callId: `c-${id}`,
      path: "gateway",
      action: "stop",
      outcome,
      code: null,
      message: null,
    });
    backend.recordingAudit = () =>
      Promise.resolve([entry(1, "accepted"), entry(2, "confirmed"), entry(3, "invalid"), entry(4, "failed")]);
    renderWith(backend);
    await openAudit();
    await waitFor(() => expect(screen.getAllByTestId("audit-entry")).toHaveLength(4));
    const tones = screen.getAllByTestId("audit-outcome").map((o) => `${o.textContent?.trim()}:${o.dataset.tone}`);
    expect(tones).toEqual(["Accepted:grey", "Confirmed:green", "Invalid:red", "Failed:red"]);
    expect(screen.getAllByTestId("audit-path")[0]?.textContent).toBe("Gateway");
    expect(screen.getAllByTestId("audit-action")[0]?.textContent).toBe("Stop");
    expect(screen.queryByTestId("audit-code"), "no code, no code line").toBeNull();
  });

  it("exports CSV and says where it went", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    backend.exportRecordingAudit = () => Promise.resolve("/home/agent/Downloads/sidekick-recording-audit-2026-11-22T08-00-00-000Z.csv");
    renderWith(backend);
    await openAudit();
    await fireEvent.click(document.querySelector("#export-audit") as HTMLButtonElement);
    const saved = await screen.findByTestId("audit-exported");
    expect(saved.textContent).toContain("Saved to /home/agent/Downloads/sidekick-recording-audit-2026-11-22T08-00-00-000Z.csv");
  });

  it("shows why the export failed", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    backend.fail("exportRecordingAudit", { code: "storage", message: "/home/agent/Downloads: permission denied" });
    renderWith(backend);
    await openAudit();
    await fireEvent.click(document.querySelector("#export-audit") as HTMLButtonElement);
    expect((await screen.findByTestId("audit-export-error")).textContent).toContain("permission denied");
    expect(screen.queryByTestId("audit-exported")).toBeNull();
  });

  it("shows why the log could not be read", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent) });
    backend.fail("recordingAudit", { code: "storage", message: "the database is locked" });
    renderWith(backend);
    await openAudit();
    expect((await screen.findByTestId("audit-error")).textContent).toContain("the database is locked");
  });
});

describe("recording settings", () => {
  const secretInput = () => document.querySelector<HTMLInputElement>("#odfs-secret") as HTMLInputElement;
  const settings = (over: Partial<SettingsView>) => settingsView({ language: "en", recordingPath: "odfs", ...over });

  async function openSettings(backend: FakeBackend) {
    renderWith(backend);
    await screen.findByTestId("status-bar");
    await fireEvent.click(document.querySelector("#open-settings") as HTMLButtonElement);
    return screen.findByTestId("settings");
  }

  it.each<[SettingsView["recordingPath"], string, boolean]>([
    ["odfs", "ODFS (packet capture)", true],
    ["gateway", "CC-Gateway", false],
    [null, "Off — not set up by your administrator", false],
  ])("says how the deployment records (%s), with the ODFS secret only for ODFS", async (recordingPath, text, secret) => {
    await openSettings(new FakeBackend({ snapshot: desk(demoAgent), settings: settings({ recordingPath }) }));
    expect(screen.getByTestId("settings-recording-path").textContent?.trim()).toBe(text);
    expect(screen.queryByTestId("settings-odfs-secret") !== null).toBe(secret);
    expect(document.querySelector("#open-audit"), "the audit log is always there").not.toBeNull();
  });

  it("keeps the ODFS app secret write-only: saved, the field emptied, never shown back", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent), settings: settings({}) });
    await openSettings(backend);
    const row = screen.getByTestId("settings-odfs-secret");
    expect(row.dataset.saved).toBe("false");
    expect(row.textContent).toContain("Not set");
    expect(secretInput().type).toBe("password");
    expect(document.querySelector("#forget-odfs-secret")).toBeNull();

    const secret = "s3cr3t-Odfs-App-Secret";
    await fireEvent.input(secretInput(), { target: { value: secret } });
    await fireEvent.click(document.querySelector("#save-odfs-secret") as HTMLButtonElement);

    expect(backend.calls.find((c) => c.method === "setOdfsSecret")?.args).toEqual([secret]);
    await waitFor(() => expect(row.dataset.saved).toBe("true"));
    expect(row.textContent).toContain("Saved in the system keychain");
    expect(secretInput().value, "the secret does not stay in the field").toBe("");
    expect(secretInput().placeholder).toBe("Paste a new secret to replace it");
    expect(document.body.innerHTML.includes(secret), "the secret is nowhere in the page").toBe(false);

    await fireEvent.click(document.querySelector("#forget-odfs-secret") as HTMLButtonElement);
    expect(backend.calls.map((c) => c.method)).toContain("forgetOdfsSecret");
    await waitFor(() => expect(row.dataset.saved).toBe("false"));
  });

  it("shows a refused secret's reason inline and keeps it for fixing", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent), settings: settings({}) });
    await openSettings(backend);
    await fireEvent.input(secretInput(), { target: { value: "   " } });
    await fireEvent.submit(secretInput().form as HTMLFormElement);
    expect((await screen.findByTestId("odfs-secret-error")).textContent?.trim()).toBe("Enter the ODFS app secret");
    expect(secretInput().value).toBe("   ");
    expect(backend.currentSettings.odfsSecretSaved).toBe(false);
  });

  it("shows a keychain failure with its headline", async () => {
    const backend = new FakeBackend({ snapshot: desk(demoAgent), settings: settings({ odfsSecretSaved: true }) });
    backend.fail("forgetOdfsSecret", { code: "storage", message: "The keychain is locked." });
    await openSettings(backend);
    await fireEvent.click(document.querySelector("#forget-odfs-secret") as HTMLButtonElement);
    const error = await screen.findByTestId("odfs-secret-error");
    expect(error.textContent).toContain("Local storage error");
    expect(error.textContent).toContain("The keychain is locked.");
  });

  it("speaks Russian", async () => {
    await openSettings(new FakeBackend({ snapshot: desk(demoAgent), settings: settings({ language: "ru" }) }));
    await waitFor(() => expect(screen.getByTestId("settings-recording-path").textContent?.trim()).toBe("ODFS (захват пакетов)"));
    expect(screen.getByTestId("settings-odfs-secret").textContent).toContain("Секрет приложения ODFS");
    expect(document.querySelector("#open-audit")?.textContent?.trim()).toBe("Открыть");
  });
});

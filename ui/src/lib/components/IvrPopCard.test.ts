import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import type { CallView, HistoryCall, IvrPop } from "../backend";
import { callActions, deskSnapshot, FakeBackend, settingsView, withDerived } from "../backend/fake";
import { locale } from "../i18n";
import IvrPopCard from "./IvrPopCard.svelte";

const NOW = Date.UTC(2026, 10, 22, 9, 30, 0);

/** Two earlier calls: an answered inbound one with two notes, an unanswered outbound one. */
const pastCalls: HistoryCall[] = [
  {
    callId: "1732200000-0001",
    caller: "+74952223344",
    callee: "40044",
    direction: "inbound",
    offeredAtMs: NOW - 3 * 3_600_000,
    answeredAtMs: NOW - 3 * 3_600_000 + 9_000,
    endedAtMs: NOW - 3 * 3_600_000 + 9_000 + 252_000,
    live: false,
    notes: [
      { id: 1, author: 1001, atMs: NOW - 3 * 3_600_000, text: "Перенести доставку на пятницу", delivery: "confirmed", reason: null },
      { id: 2, author: 1001, atMs: NOW - 3 * 3_600_000, text: "SMS with the tracking link sent", delivery: "notAttached", reason: "Typed after the call ended" },
    ],
  },
  {
    callId: "1732200000-0002",
    caller: "40044",
    callee: "84952223344",
    direction: "outbound",
    offeredAtMs: NOW - 26 * 3_600_000,
    answeredAtMs: null,
    endedAtMs: NOW - 26 * 3_600_000 + 20_000,
    live: false,
    notes: [],
  },
  {
    // Answered, and Sidekick was closed before its end came.
    callId: "1732200000-0003",
    caller: "+74952223344",
    callee: "40044",
    direction: "inbound",
    offeredAtMs: NOW - 50 * 3_600_000,
    answeredAtMs: NOW - 50 * 3_600_000 + 5_000,
    endedAtMs: null,
    live: false,
    notes: [],
  },
];

function pop(over: Partial<IvrPop> = {}): IvrPop {
  return {
    callId: "ivr-7",
    callerNumber: "84952223344",
    callerName: "Мария Иванова",
    called: "74950001122",
    ivr: "0003*001",
    atMs: NOW - 12_000,
    viaRelay: false,
    answer: { rule: "1. Back to me", actions: ["SetVar lang = ru", "SimpleTransfer 40044"], problem: null },
    pastCalls,
    ...over,
  };
}

function renderCard(p: IvrPop, ondismiss: (callId: string) => Promise<void> = async () => {}) {
  const spy = vi.fn(ondismiss);
  const result = render(IvrPopCard, { props: { pop: p, ondismiss: spy } });
  return { ondismiss: spy, ...result };
}

const card = () => screen.getByTestId("ivr-pop");
const answer = () => screen.getByTestId("ivr-answer");

afterEach(() => {
  vi.useRealTimers();
  locale.set("en");
});

describe("the IVR pop card", () => {
  it("shows who is calling, what they dialled, how long ago, the app's answer and the past calls with their notes", () => {
    vi.useFakeTimers({ now: NOW });
    renderCard(pop());

    expect(card().dataset.caller).toBe("84952223344");
    expect(card().dataset.callId).toBe("ivr-7");
    expect(within(card()).getByRole("heading", { level: 2 }).textContent).toBe("Incoming from IVR");
    expect(screen.getByTestId("ivr-caller-name").textContent, "a Cyrillic name, as the PBX sent it").toBe("Мария Иванова");
    expect(screen.getByTestId("ivr-caller-number").textContent?.trim()).toBe("84952223344");
    expect(screen.getByTestId("ivr-caller-number").dataset.number).toBe("84952223344");
    expect(screen.getByTestId("ivr-route").textContent).toContain("Dialled 74950001122");
    expect(screen.getByTestId("ivr-route").textContent).toContain("IVR 0003*001");
    expect(screen.getByTestId("ivr-ago").textContent).toBe("12 s ago");

    expect(answer().dataset.state).toBe("matched");
    expect(answer().dataset.rule).toBe("1. Back to me");
    expect(screen.getByTestId("ivr-answer-rule").textContent).toBe("1. Back to me");
    expect(screen.getAllByTestId("ivr-answer-action").map((a) => a.textContent)).toEqual(["SetVar lang = ru", "SimpleTransfer 40044"]);

    const rows = screen.getAllByTestId("ivr-past-call");
    expect(rows.map((r) => r.dataset.callId)).toEqual(["1732200000-0001", "1732200000-0002", "1732200000-0003"]);
    expect(rows[0]?.dataset.direction).toBe("inbound");
    expect(rows[0]?.textContent, "talk time of an answered call").toContain("04:12");
    expect(within(rows[0] as HTMLElement).getAllByTestId("ivr-past-note").map((n) => n.textContent)).toEqual([
      "Перенести доставку на пятницу",
      "SMS with the tracking link sent",
    ]);
    expect(rows[1]?.dataset.direction).toBe("outbound");
    expect(rows[1]?.textContent).toContain("Not answered");
    expect(within(rows[1] as HTMLElement).queryAllByTestId("ivr-past-note")).toEqual([]);
    expect(rows[2]?.textContent, "a call whose end never came is not 'in progress' days later").toContain("End not seen");
    expect(screen.queryByTestId("ivr-first-call")).toBeNull();
  });

  it("counts how long ago the caller arrived, every second", async () => {
    vi.useFakeTimers({ now: NOW });
    renderCard(pop({ atMs: NOW - 59_000 }));
    expect(screen.getByTestId("ivr-ago").textContent).toBe("59 s ago");
    vi.advanceTimersByTime(1_000);
    await tick();
    expect(screen.getByTestId("ivr-ago").textContent).toBe("1 min ago");
  });

  it("says when no rule matched, and that this is the caller's first call", () => {
    renderCard(pop({ answer: { rule: null, actions: [], problem: null }, pastCalls: [], callerName: null }));
    expect(answer().dataset.state).toBe("none");
    expect(answer().textContent?.trim()).toBe("No rule matched — the IVR carries on");
    expect(screen.getByTestId("ivr-first-call").textContent).toBe("First call from this number");
    expect(screen.queryByTestId("ivr-past-call")).toBeNull();
    expect(screen.queryByTestId("ivr-caller-name"), "no name: the number is the headline").toBeNull();
    expect(screen.getByTestId("ivr-caller-number").classList.contains("main")).toBe(true);
  });

  it("warns when the matching rule could not be used, with the desk's reason", () => {
    const problem = 'Rule 1 ("Back to me"): it transfers to {me}, but your phone number is not known yet: sign in, or set the number for transfers';
    renderCard(pop({ answer: { rule: "1. Back to me", actions: [], problem } }));
    expect(answer().dataset.state).toBe("problem");
    expect(answer().dataset.tone).toBe("amber");
    expect(answer().textContent).toContain("The rule could not be used — the IVR carries on");
    expect(answer().textContent).toContain(problem);
    expect(screen.queryByTestId("ivr-answer-action")).toBeNull();
  });

  it("says when the answer is not made yet, or came through the relay", async () => {
    const { rerender } = renderCard(pop({ answer: null }));
    expect(answer().dataset.state).toBe("pending");
    expect(answer().textContent).toContain("Answering…");
    await rerender({ pop: pop({ answer: null, viaRelay: true }) });
    expect(answer().dataset.state).toBe("relay");
    expect(screen.getByTestId("ivr-route").textContent).toContain("via relay");
  });

  it("shows a withheld number as such, with no past calls to look up", () => {
    renderCard(pop({ callerNumber: null, callerName: null, pastCalls: [] }));
    expect(card().dataset.caller).toBe("");
    expect(screen.getByTestId("ivr-caller-number").textContent?.trim()).toBe("Number withheld");
    expect(screen.queryByTestId("ivr-first-call")).toBeNull();
  });

  it("Dismiss sends the pop's call id, and can be tried again when it fails", async () => {
    let fail = true;
    const { ondismiss } = renderCard(pop(), async () => {
      if (fail) throw { code: "internal", message: "IPC failed" };
    });
    const button = screen.getByTestId("ivr-dismiss") as HTMLButtonElement;
    expect(button.textContent?.trim()).toBe("Dismiss");
    await fireEvent.click(button);
    await waitFor(() => expect(button.disabled).toBe(false));
    fail = false;
    await fireEvent.click(button);
    expect(ondismiss.mock.calls).toEqual([["ivr-7"], ["ivr-7"]]);
  });

  it("speaks Russian", () => {
    vi.useFakeTimers({ now: NOW });
    locale.set("ru");
    renderCard(pop({ atMs: NOW - 180_000 }));
    expect(within(card()).getByRole("heading", { level: 2 }).textContent).toBe("Из голосового меню");
    expect(screen.getByTestId("ivr-ago").textContent).toBe("3 мин назад");
    expect(screen.getByTestId("ivr-route").textContent).toContain("Набран 74950001122");
    expect(within(card()).getByRole("heading", { level: 3 }).textContent).toBe("Прошлые звонки с этим номером");
    expect(screen.getAllByTestId("ivr-past-call")[1]?.textContent).toContain("Без ответа");
    expect(screen.getByTestId("ivr-dismiss").textContent?.trim()).toBe("Скрыть");
  });
});

describe("the pop in the window", () => {
  const agent = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected" } as const;

  it("comes above the idle view when a caller reaches the IVR, and Dismiss takes it away through the desk", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(agent)), settings: settingsView({ phoneNumber: "40044" }) });
    render(App, { props: { backend } });
    await screen.findByTestId("no-call");
    expect(screen.queryByTestId("ivr-pop")).toBeNull();

    backend.popIvr({ callId: "ivr-1", callerNumber: "84952223344", callerName: "Мария Иванова", called: "74950001122" });
    const shown = await screen.findByTestId("ivr-pop");
    expect(shown.dataset.caller).toBe("84952223344");
    expect(screen.getByTestId("ivr-caller-name").textContent).toBe("Мария Иванова");
    expect(shown.compareDocumentPosition(screen.getByTestId("no-call")) & Node.DOCUMENT_POSITION_FOLLOWING, "above the idle view").toBeTruthy();

    await fireEvent.click(screen.getByTestId("ivr-dismiss"));
    await waitFor(() => expect(screen.queryByTestId("ivr-pop")).toBeNull());
    expect(backend.calls.filter((c) => c.method === "dismissIvrPop").map((c) => c.args)).toEqual([["ivr-1"]]);
    expect(screen.getByTestId("no-call"), "the idle view stays").toBeTruthy();
  });

  it("comes above the call card, and a new caller replaces the earlier one", async () => {
    const talking: CallView = {
      callId: "c-1",
      caller: "+74951234567",
      callee: "40044",
      direction: "inbound",
      state: "talking",
      offeredAtMs: Date.now() - 60_000,
      answeredAtMs: Date.now() - 50_000,
      endedAtMs: null,
      endedBy: null,
      actions: callActions("talking", "inbound"),
    };
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot({ ...agent, demo: true }, talking)) });
    render(App, { props: { backend } });
    await screen.findByTestId("call-card");
    backend.popIvr({ callId: "ivr-1", callerNumber: "+74951234567" });
    await waitFor(() => expect(screen.getByTestId("ivr-pop").dataset.callId).toBe("ivr-1"));
    expect(screen.getAllByTestId("ivr-past-call").map((c) => c.dataset.callId), "the live call is already in the history").toEqual(["c-1"]);
    backend.popIvr({ callId: "ivr-2", callerNumber: "+15550001111" });
    await waitFor(() => expect(screen.getByTestId("ivr-pop").dataset.callId).toBe("ivr-2"));
    expect(screen.getByTestId("ivr-first-call")).toBeTruthy();
    expect(screen.getByTestId("call-card").dataset.state, "the call card stays").toBe("talking");
  });

  it("shows a caller while signed out too, above the sign-in form", async () => {
    const backend = new FakeBackend();
    render(App, { props: { backend } });
    await screen.findByTestId("signin-form");
    backend.popIvr({ callId: "ivr-9", callerNumber: "+15550001111", callerName: "Jordan Lee" });
    expect((await screen.findByTestId("ivr-pop")).dataset.caller).toBe("+15550001111");
    expect(screen.getByTestId("signin-form"), "the form stays usable below it").toBeTruthy();
  });

  it("brings the main view to the front when a caller arrives while the history is open", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot({ ...agent, demo: true })) });
    render(App, { props: { backend } });
    await screen.findByTestId("no-call");
    await fireEvent.click(document.querySelector("#open-history") as HTMLButtonElement);
    await screen.findByTestId("history");
    backend.popIvr({ callId: "ivr-3", callerNumber: "+15550001111" });
    await waitFor(() => expect(screen.queryByTestId("history")).toBeNull());
    expect(screen.getByTestId("ivr-pop")).toBeTruthy();
  });
});

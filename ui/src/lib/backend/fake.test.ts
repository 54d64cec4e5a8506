import { afterEach, describe, expect, it, vi } from "vitest";
import { callActions, deskSnapshot, FakeBackend, withDerived } from "./fake";
import type { CallView } from "./generated";

const signedIn = { phase: "signedIn", agentId: 1001, agentState: "ready", health: "connected" } as const;
const ringing: CallView = {
  callId: "c-1",
  caller: "+74951234567",
  callee: "40038",
  direction: "inbound",
  state: "ringing",
  offeredAtMs: 1_000,
  answeredAtMs: null,
  endedAtMs: null,
  endedBy: null,
  actions: callActions("ringing", "inbound"),
};

describe("derived fields, as the desk computes them", () => {
  it("allows call actions by state and direction", () => {
    expect(callActions("ringing", "inbound")).toEqual({ answer: true, hold: false, unhold: false, hangUp: false });
    expect(callActions("ringing", "outbound")).toEqual({ answer: false, hold: false, unhold: false, hangUp: false });
    expect(callActions("talking", "inbound")).toEqual({ answer: false, hold: true, unhold: false, hangUp: true });
    expect(callActions("held", "outbound")).toEqual({ answer: false, hold: false, unhold: true, hangUp: true });
    expect(callActions("ended", "inbound")).toEqual({ answer: false, hold: false, unhold: false, hangUp: false });
  });

  it("allows a state change only signed in and without a live call", () => {
    expect(deskSnapshot(signedIn).session.canChangeState, "the helper's default").toBe(false);
    expect(withDerived(deskSnapshot(signedIn)).session.canChangeState).toBe(true);
    expect(withDerived(deskSnapshot(signedIn, ringing)).session.canChangeState).toBe(false);
    expect(withDerived(deskSnapshot(signedIn, { ...ringing, state: "ended" })).session.canChangeState).toBe(true);
    expect(withDerived(deskSnapshot({ ...signedIn, phase: "signingOut" })).session.canChangeState).toBe(false);
  });
});

describe("FakeBackend call control", () => {
  it("answers, holds, resumes and hangs up, each with a fresh snapshot", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(signedIn, ringing)) });
    const seen: number[] = [];
    await backend.onSnapshot((s) => seen.push(s.revision));

    const talking = await backend.answerCall();
    expect(talking.call).toMatchObject({ state: "talking", actions: { hold: true, hangUp: true, answer: false } });
    expect(talking.call?.answeredAtMs).toBeTypeOf("number");
    expect(talking.session).toMatchObject({ agentState: "busy", canChangeState: false });
    expect((await backend.holdCall()).call).toMatchObject({ state: "held", actions: { unhold: true, hold: false } });
    expect((await backend.unholdCall()).call?.state).toBe("talking");
    const ended = await backend.hangUp();
    expect(ended.call).toMatchObject({ state: "ended", endedBy: "agent", actions: callActions("ended", "inbound") });
    expect(ended.session.canChangeState).toBe(true);
    expect(seen).toHaveLength(4);
    expect([...seen].sort((a, b) => a - b), "revisions grow").toEqual(seen);
  });

  it("refuses what the desk would refuse", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(signedIn, ringing)) });
    await expect(backend.holdCall()).rejects.toMatchObject({ code: "invalidInput" });
    await expect(backend.hangUp()).rejects.toMatchObject({ code: "invalidInput" });
    await expect(backend.setAgentState({ kind: "ready" })).rejects.toEqual({
      code: "invalidInput",
      message: "You can change your state once the call has ended",
    });
    expect(backend.current.call?.state, "nothing changed").toBe("ringing");
  });

  it("changes the agent state when the gateway confirms", async () => {
    vi.useFakeTimers();
    try {
      const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(signedIn)), confirmMs: 500 });
      const answer = await backend.setAgentState({ kind: "rest", minutes: 15 });
      expect(answer.session.agentState, "the answer comes before the confirmation").toBe("ready");
      vi.advanceTimersByTime(500);
      expect(backend.current.session.agentState).toBe("rest");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the scripted demo", () => {
  afterEach(() => vi.useRealTimers());

  it("lets the agent work the call, and rings again only once they are ready", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ scripted: true });
    expect(backend.current.call?.actions.answer).toBe(true);
    await backend.answerCall();
    vi.advanceTimersByTime(6_000);
    expect(backend.current.call?.state, "the script does not answer it twice").toBe("talking");
    await backend.hangUp();
    expect(backend.current.session.agentState).toBe("wrapUp");

    await backend.setAgentState({ kind: "notReady", reason: null });
    vi.advanceTimersByTime(600);
    expect(backend.current.session.agentState).toBe("notReady");
    vi.advanceTimersByTime(30_000);
    expect(backend.current.call?.state, "no call rings for an agent who is not ready").toBe("ended");

    await backend.setAgentState({ kind: "ready" });
    vi.advanceTimersByTime(3_000);
    expect(backend.current.call?.state).toBe("ringing");
    await backend.signOut();
  });
});

describe("FakeBackend saved password", () => {
  const form = { gatewayUrl: "https://cc.example.com:8043", agentId: "1001", password: "secret", phoneNumber: "40038", force: false };

  it("saves the password only when asked, then accepts an empty one for the same agent and gateway", async () => {
    const backend = new FakeBackend();
    await expect(backend.signIn({ ...form, password: "", remember: false })).rejects.toEqual({
      code: "invalidInput",
      message: "Enter your agent password",
    });

    await backend.signIn({ ...form, remember: false });
    expect((await backend.settings()).passwordSaved, "not remembered unless asked").toBe(false);
    await backend.signOut();

    await backend.signIn({ ...form, remember: true });
    expect((await backend.settings()).passwordSaved).toBe(true);
    await backend.signOut();

    await expect(backend.signIn({ ...form, agentId: "1002", password: "", remember: false })).rejects.toMatchObject({
      code: "invalidInput",
    });
    expect((await backend.signIn({ ...form, password: "", remember: false })).session.phase).toBe("signedIn");
  });

  it("forgets the saved password on request", async () => {
    const backend = new FakeBackend({
      settings: { gatewayUrl: form.gatewayUrl, agentId: 1001, phoneNumber: "40038", language: "en", passwordSaved: true, systemLanguage: null },
    });
    expect((await backend.forgetPassword()).passwordSaved).toBe(false);
    await expect(backend.signIn({ ...form, password: "", remember: false })).rejects.toMatchObject({ code: "invalidInput" });
  });
});

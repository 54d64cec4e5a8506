import { afterEach, describe, expect, it, vi } from "vitest";
import {
  answerXml,
  CALL_GONE,
  callActions,
  callNotes,
  CDR_COLUMNS,
  checkRelayUrl,
  deskSnapshot,
  EXPORT_REFUSED,
  exportView,
  FakeBackend,
  GATEWAY_RECORD_FAILED,
  interactiveView,
  NO_KEY,
  NO_ODFS_SECRET,
  notesBaseBytes,
  ODFS_REFUSED,
  RECORD_COLUMNS,
  settingsView,
  TYPED_AFTER_END,
  withDerived,
} from "./fake";
import type {
  Action,
  BillFilters,
  CallView,
  DeskSnapshot,
  ExportForm,
  ExportSettings,
  InteractiveSettings,
  NoteView,
  RowQuery,
  Rule,
  SettingsView,
} from "./generated";

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
      settings: settingsView({ gatewayUrl: form.gatewayUrl, agentId: 1001, phoneNumber: "40038", language: "en", passwordSaved: true }),
    });
    expect((await backend.forgetPassword()).passwordSaved).toBe(false);
    await expect(backend.signIn({ ...form, password: "", remember: false })).rejects.toMatchObject({ code: "invalidInput" });
  });
});

describe("FakeBackend notes", () => {
  afterEach(() => vi.useRealTimers());

  const demo = { ...signedIn, demo: true } as const;
  const talking: CallView = { ...ringing, state: "talking", answeredAtMs: 2_000, actions: callActions("talking", "inbound") };
  const noteAt = (id: number, text: string, delivery: NoteView["delivery"]): NoteView => ({
    id,
    author: 1001,
    atMs: Date.UTC(2026, 10, 22, 8, 1, 2, 345),
    text,
    delivery,
    reason: null,
  });

  it("computes baseBytes as the desk does: the document with one more, empty, note", () => {
    const empty = '{"v":1,"callId":"c-1","notes":[{"author":"1001","at":"1970-01-01T00:00:00.000Z","text":""}]}';
    expect(notesBaseBytes("c-1", [], 1001)).toBe(empty.length);

    const one = '{"author":"1001","at":"2026-11-22T08:01:02.345Z","text":"Привет \\"мир\\""},';
    const withOne = notesBaseBytes("c-1", [noteAt(1, 'Привет "мир"', "confirmed")], 1001);
    expect(withOne - empty.length, "a carried note adds its JSON, Cyrillic at 2 bytes").toBe(new TextEncoder().encode(one).length);

    const notCarried = [noteAt(2, "refused", "failed"), noteAt(3, "late", "notAttached")];
    expect(notesBaseBytes("c-1", notCarried, 1001), "failed and not-attached notes are not in the call's data").toBe(
      empty.length,
    );
  });

  it("gives a call on the card its notes", () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)) });
    expect(backend.current.notes).toEqual(callNotes("c-1", [], 1001));
    expect(backend.current.notes?.maxBytes).toBe(16_367);
  });

  it("delivers a note on a live call: pending, sending, then confirmed", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)), deliverMs: 1_000 });
    const answer = await backend.attachNote("c-1", "Wants a callback");
    expect(answer.notes?.notes).toMatchObject([{ id: 1, author: 1001, text: "Wants a callback", delivery: "pending" }]);
    expect(answer.notes?.baseBytes, "the note now takes room").toBeGreaterThan(callNotes("c-1", [], 1001).baseBytes);
    vi.advanceTimersByTime(500);
    expect(backend.current.notes?.notes[0]?.delivery).toBe("sending");
    vi.advanceTimersByTime(500);
    expect(backend.current.notes?.notes[0]?.delivery).toBe("confirmed");
  });

  it("keeps a note typed after the call ended, not attached, and one whose call ended first too", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)), deliverMs: 1_000 });
    await backend.attachNote("c-1", "Typed during the call");
    await backend.hangUp();
    vi.advanceTimersByTime(1_000);
    const late = await backend.attachNote("c-1", "Typed after it");
    expect(late.notes?.notes).toMatchObject([
      { text: "Typed during the call", delivery: "notAttached", reason: CALL_GONE },
      { text: "Typed after it", delivery: "notAttached", reason: TYPED_AFTER_END },
    ]);
  });

  it("refuses what the desk refuses, with its sentence, and saves nothing", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)) });
    await expect(backend.attachNote("c-1", "  \n ")).rejects.toEqual({ code: "invalidInput", message: "Type the note first" });

    const room = 16_367 - callNotes("c-1", [], 1001).baseBytes;
    const letters = Math.floor(room / 2) + 60;
    const over = 2 * letters - room;
    await expect(backend.attachNote("c-1", "ж".repeat(letters))).rejects.toEqual({
      code: "invalidInput",
      message:
        `This note does not fit: the call's notes would take ${16_367 + over} bytes, and call data holds at most 16367. ` +
        `Shorten it by ${over} bytes (letters outside English take 2–4 bytes each).`,
    });
    expect(backend.current.notes?.notes).toEqual([]);
    expect((await backend.attachNote("c-1", "x".repeat(room))).notes?.notes, "exactly full fits").toHaveLength(1);

    const idle = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo)) });
    await expect(idle.attachNote("c-1", "hello")).rejects.toMatchObject({ code: "invalidInput" });
  });

  it("has notes unavailable without a call-data key, until one is saved", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(signedIn, talking)) });
    expect(backend.current.notes?.unavailable).toBe(NO_KEY);
    await expect(backend.attachNote("c-1", "hello")).rejects.toEqual({ code: "invalidInput", message: NO_KEY });

    await expect(backend.setCallDataKey("0011")).rejects.toEqual({
      code: "invalidInput",
      message: "The key must be 16 bytes: 32 hex characters or 24 Base64 characters; this is 4 characters",
    });
    await expect(backend.setCallDataKey("0011223344556677889900aabbccddeX")).rejects.toMatchObject({
      message: expect.stringContaining("character 32 is not a hex digit"),
    });
    await expect(backend.setCallDataKey("AAECAwQFBgcICQoLDA0ODx=="), "trailing bits must be zero").rejects.toMatchObject({
      message: expect.stringContaining("not standard Base64 of 16 bytes"),
    });
    expect((await backend.settings()).callDataKeySaved).toBe(false);

    expect((await backend.setCallDataKey(" AAECAwQFBgcICQoLDA0ODw==\n")).callDataKeySaved).toBe(true);
    expect(backend.current.notes?.unavailable, "the session uses it at once").toBeNull();
    expect((await backend.forgetCallDataKey()).callDataKeySaved).toBe(false);
  });

  it("keeps a history of the calls on the card, newest first, with their notes", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)) });
    await backend.attachNote("c-1", "First call's note");
    await backend.hangUp();
    backend.emit(withDerived(deskSnapshot(demo, { ...ringing, callId: "c-2", offeredAtMs: 90_000 })));

    const history = await backend.callHistory();
    expect(history.map((c) => c.callId)).toEqual(["c-2", "c-1"]);
    expect(history[1]).toMatchObject({ answeredAtMs: 2_000, endedAtMs: expect.any(Number), direction: "inbound" });
    expect(history[1]?.notes.map((n) => n.text)).toEqual(["First call's note"]);
    expect(history[0]?.notes).toEqual([]);
  });

  it("starts the scripted demo with notes available and a few calls in the history", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ scripted: true });
    expect(backend.current.notes?.unavailable).toBeNull();
    const history = await backend.callHistory();
    expect(history.length).toBeGreaterThan(1);
    const deliveries = history.flatMap((c) => c.notes.map((n) => n.delivery));
    expect(new Set(deliveries)).toEqual(new Set(["confirmed", "failed", "notAttached"]));
    const ids = history.flatMap((c) => c.notes.map((n) => n.id));
    expect(new Set(ids).size, "note ids are unique").toBe(ids.length);
    await backend.signOut();
  });
});

describe("FakeBackend recording", () => {
  afterEach(() => vi.useRealTimers());

  const demo = { ...signedIn, demo: true } as const;
  const talking: CallView = { ...ringing, state: "talking", answeredAtMs: 2_000, actions: callActions("talking", "inbound") };
  const settings = (over: Partial<SettingsView>) => settingsView({ language: "en", ...over });
  const off = { callId: "c-1", state: "off", startedAtMs: null, reason: null, canStop: false } as const;

  it("records a demo call through ODFS, which may start once the call is connected", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, ringing)) });
    expect(backend.current.recording).toEqual({ ...off, path: "odfs", canStart: false });
    await expect(backend.startRecording()).rejects.toEqual({
      code: "invalidInput",
      message: "Answer the call first; a call can be recorded once it is connected",
    });
    await backend.answerCall();
    expect(backend.current.recording).toEqual({ ...off, path: "odfs", canStart: true });
  });

  it("has no recording where the deployment records none, and ODFS without a secret is unavailable", async () => {
    const none = new FakeBackend({ snapshot: withDerived(deskSnapshot(signedIn, talking)), settings: settings({}) });
    expect(none.current.recording).toBeNull();
    await expect(none.startRecording()).rejects.toMatchObject({ message: "Recording is not set up for this deployment" });

    const noSecret = new FakeBackend({ snapshot: withDerived(deskSnapshot(signedIn, talking)), settings: settings({ recordingPath: "odfs" }) });
    expect(noSecret.current.recording).toEqual({ ...off, path: "odfs", reason: NO_ODFS_SECRET, canStart: false });
    await expect(noSecret.startRecording()).rejects.toEqual({ code: "invalidInput", message: NO_ODFS_SECRET });
  });

  it("says requesting until ODFS confirms, and resolves only then, as the desk waits for ODFS", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)), recordMs: 1_000 });
    const states: Array<string | undefined> = [];
    await backend.onSnapshot((s) => states.push(s.recording?.state));

    const answers: DeskSnapshot[] = [];
    const request = backend.startRecording().then((s) => answers.push(s));
    expect(backend.current.recording).toMatchObject({ state: "requesting", canStart: false });
    await expect(backend.startRecording(), "one request at a time").rejects.toMatchObject({
      message: "A recording request is already running",
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(answers, "no answer before ODFS's").toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await request;
    expect(answers[0]?.recording).toMatchObject({ state: "recording", startedAtMs: Date.now(), canStart: false, canStop: false });
    expect(states).toEqual(["requesting", "recording"]);
    await expect(backend.stopRecording()).rejects.toEqual({
      code: "invalidInput",
      message: "A packet-capture recording ends with the call; it cannot be stopped before",
    });
    await expect(backend.startRecording()).rejects.toMatchObject({ message: "This call is already being recorded" });

    const [entry] = await backend.recordingAudit();
    expect(entry).toMatchObject({ agentId: 1001, callId: "c-1", path: "odfs", action: "start", outcome: "confirmed", code: "0", message: null });
  });

  it("fails with ODFS's code when told to refuse, and allows a retry", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)), refuseRecording: true });
    const failed = await backend.startRecording();
    expect(failed.recording).toMatchObject({ state: "failed", reason: ODFS_REFUSED, canStart: true });
    expect(ODFS_REFUSED).toMatch(/^ODFS did not start the recording \(10000002\): /);

    backend.refuseRecording = false;
    expect((await backend.startRecording()).recording).toMatchObject({ state: "recording", reason: null });
    expect((await backend.recordingAudit()).map((e) => [e.outcome, e.code])).toEqual([
      ["confirmed", "0"],
      ["failed", "10000002"],
    ]);
  });

  it("stops on the gateway path: accepted, then confirmed by the event", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({
      snapshot: withDerived(deskSnapshot(signedIn, talking)),
      settings: settings({ recordingPath: "gateway" }),
      recordMs: 500,
    });
    expect((await backend.startRecording()).recording, "the gateway answers before its event").toMatchObject({
      path: "gateway",
      state: "requesting",
    });
    vi.advanceTimersByTime(500);
    expect(backend.current.recording).toMatchObject({ state: "recording", canStop: true });
    const startedAtMs = backend.current.recording?.startedAtMs;

    expect((await backend.stopRecording()).recording).toMatchObject({ state: "stopping", startedAtMs, canStop: false });
    vi.advanceTimersByTime(500);
    expect(backend.current.recording).toMatchObject({ state: "off", canStart: true, canStop: false });
    await expect(backend.stopRecording()).rejects.toMatchObject({ message: "This call is not being recorded" });
    expect((await backend.recordingAudit()).map((e) => `${e.path}:${e.action}:${e.outcome}`)).toEqual([
      "gateway:stop:confirmed",
      "gateway:stop:accepted",
      "gateway:start:confirmed",
      "gateway:start:accepted",
    ]);
  });

  it("reports the gateway's failure event when told to refuse", async () => {
    const backend = new FakeBackend({
      snapshot: withDerived(deskSnapshot(signedIn, talking)),
      settings: settings({ recordingPath: "gateway" }),
      refuseRecording: true,
    });
    expect((await backend.startRecording()).recording).toMatchObject({ state: "failed", reason: GATEWAY_RECORD_FAILED, canStart: true });
    expect((await backend.recordingAudit()).map((e) => e.outcome)).toEqual(["failed", "accepted"]);
  });

  it("turns the recording off when the call ends, and starts the next call afresh", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)) });
    await backend.startRecording();
    const ended = await backend.hangUp();
    expect(ended.recording).toEqual({ ...off, path: "odfs", canStart: false });
    await expect(backend.startRecording()).rejects.toMatchObject({ message: "The call has ended; there is nothing to record" });

    backend.emit(withDerived(deskSnapshot(demo, { ...talking, callId: "c-2" })));
    expect(backend.current.recording).toEqual({ ...off, callId: "c-2", path: "odfs", canStart: true });
  });

  it("keeps a failure, with its reason, after the call ended", async () => {
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)), refuseRecording: true });
    await backend.startRecording();
    expect((await backend.hangUp()).recording).toMatchObject({ state: "failed", reason: ODFS_REFUSED, canStart: false });
  });

  it("keeps only the fact that an ODFS secret is saved, and uses it from the next sign-in", async () => {
    const form = { gatewayUrl: "https://cc.example.com:8043", agentId: "1001", password: "pw", phoneNumber: "40038", remember: false, force: false };
    const backend = new FakeBackend({ settings: settings({ recordingPath: "odfs" }) });
    await expect(backend.setOdfsSecret("  ")).rejects.toEqual({ code: "invalidInput", message: "Enter the ODFS app secret" });
    expect((await backend.setOdfsSecret("s3cret")).odfsSecretSaved).toBe(true);
    expect(JSON.stringify(backend.currentSettings)).not.toContain("s3cret");

    await backend.signIn(form);
    backend.emit(withDerived(deskSnapshot(backend.current.session, talking)));
    expect(backend.current.recording).toMatchObject({ reason: null, canStart: true });
    expect((await backend.forgetOdfsSecret()).odfsSecretSaved).toBe(false);
  });

  it("exports to a CSV in the Downloads folder", async () => {
    const backend = new FakeBackend();
    expect(await backend.exportRecordingAudit()).toMatch(/^\/home\/agent\/Downloads\/sidekick-recording-audit-.*\.csv$/);
  });

  it("starts the scripted demo with recordings in the audit log", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ scripted: true });
    expect(backend.currentSettings.recordingPath).toBe("odfs");
    const log = await backend.recordingAudit();
    expect(log.map((e) => e.outcome)).toEqual(["confirmed", "failed", "confirmed"]);
    expect([...log].sort((a, b) => b.atMs - a.atMs), "newest first").toEqual(log);
    await backend.signOut();
  });
});

describe("FakeBackend Call Interactive", () => {
  afterEach(() => vi.useRealTimers());

  const backToMe: Rule = {
    name: "Back to me",
    enabled: true,
    when: { spokeWithinDays: 7 },
    actions: [{ action: "SimpleTransfer", numbers: "{me}", final: true, early_media: false }],
  };
  const settings = (over: Partial<InteractiveSettings> = {}): InteractiveSettings => ({
    enabled: true,
    listen: null,
    rules: [],
    transferNumber: null,
    relayUrl: null,
    ...over,
  });

  it("saves the settings trimmed and listens on 0.0.0.0:8095 unless told otherwise; off when turned off", async () => {
    const backend = new FakeBackend();
    expect(backend.currentSettings.callInteractive).toEqual(interactiveView());

    const saved = await backend.saveCallInteractive(settings({ listen: "  ", transferNumber: " 4012 ", rules: [backToMe] }));
    expect(saved.callInteractive.settings).toEqual(settings({ listen: null, transferNumber: "4012", rules: [backToMe] }));
    expect(saved.callInteractive.status).toEqual({ state: "listening", address: "0.0.0.0:8095" });
    expect(saved.callInteractive.myNumber, "{me} is the transfer number when one is set").toBe("4012");

    expect((await backend.saveCallInteractive(settings({ listen: "127.0.0.1:9000" }))).callInteractive.status).toEqual({
      state: "listening",
      address: "127.0.0.1:9000",
    });
    expect((await backend.saveCallInteractive(settings({ listen: "0.0.0.0:80" }))).callInteractive.status).toEqual({
      state: "failed",
      reason: "This computer does not allow listening on port 80; choose a port above 1023",
    });
    expect((await backend.saveCallInteractive(settings({ enabled: false }))).callInteractive.status).toEqual({ state: "off" });
  });

  it("refuses what the desk refuses, naming the rule, and saves nothing", async () => {
    const backend = new FakeBackend();
    const night: Rule = { name: "Night", enabled: true, when: {}, actions: [] };
    const hangups: Action[] = Array.from({ length: 11 }, () => ({ action: "Hangup" }));
    await expect(backend.saveCallInteractive(settings({ rules: [backToMe, { ...night, actions: hangups }] }))).rejects.toEqual({
      code: "invalidInput",
      message: 'Rule 2 ("Night"): the answer has 11 actions, but the PBX takes at most 10',
    });
    const spaced: Action = { action: "SimpleTransfer", numbers: "101, 102", final: true, early_media: false };
    await expect(backend.saveCallInteractive(settings({ rules: [{ ...night, actions: [{ action: "Pause" }, spaced] }] }))).rejects.toEqual({
      code: "invalidInput",
      message:
        'Rule 1 ("Night"): action 2 (SimpleTransfer): SimpleTransfer numbers "101, 102" contain a space: the PBX takes them comma-separated with no spaces',
    });
    await expect(
      backend.saveCallInteractive(settings({ rules: [{ ...night, when: { time: { from: "22:00", to: "22:00" } } }] })),
    ).rejects.toMatchObject({ message: 'Rule 1 ("Night"): the time window starts and ends at 22:00: give two different times (22:00 to 06:00 crosses midnight)' });
    await expect(backend.saveCallInteractive(settings({ rules: [{ ...night, when: { caller: { prefix: "" } } }] }))).rejects.toMatchObject({
      message: 'Rule 1 ("Night"): the caller number pattern is empty',
    });
    await expect(backend.saveCallInteractive(settings({ listen: "localhost:8095" }))).rejects.toEqual({
      code: "invalidInput",
      message: '"localhost:8095" is not an address to listen on; write it as 0.0.0.0:8095 (address:port)',
    });
    expect(backend.currentSettings.callInteractive, "nothing was saved").toEqual(interactiveView());
  });

  it("gives the address with its secret token only while listening, and a new one after renewing", async () => {
    const backend = new FakeBackend();
    await expect(backend.callInteractiveAddress()).rejects.toEqual({ code: "invalidInput", message: "Turn Call Interactive on first" });
    await expect(backend.renewCallInteractiveToken()).rejects.toEqual({ code: "invalidInput", message: "Turn Call Interactive on first" });

    await backend.saveCallInteractive(settings());
    const address = await backend.callInteractiveAddress();
    expect(address).toMatch(/^http:\/\/192\.168\.1\.20:8095\/ci\/[A-Za-z0-9]{32}$/);
    expect(await backend.callInteractiveAddress(), "the same until renewed").toBe(address);
    expect(JSON.stringify(backend.currentSettings), "the token is never in the settings").not.toContain(address.slice(-32));

    await backend.renewCallInteractiveToken();
    const renewed = await backend.callInteractiveAddress();
    expect(renewed).not.toBe(address);
    expect(renewed.slice(0, -32)).toBe(address.slice(0, -32));

    await backend.saveCallInteractive(settings({ listen: "127.0.0.1:9000" }));
    expect(await backend.callInteractiveAddress(), "a server on one interface is reached there").toBe(`http://127.0.0.1:9000/ci/${renewed.slice(-32)}`);
  });

  it("previews the exact XML of the first enabled rule that matches, with {me} filled in", async () => {
    const backend = new FakeBackend({ settings: settingsView({ phoneNumber: "40038" }) });
    const rules: Rule[] = [
      { name: "Old", enabled: false, when: {}, actions: [{ action: "Hangup" }] },
      { name: "Night", enabled: true, when: { time: { from: "22:00", to: "06:00" } }, actions: [{ action: "Jump", context: "3", option: "start" }] },
      {
        name: "Moscow",
        enabled: true,
        when: { caller: { glob: "+7495*" }, called: { exact: "74950001122" } },
        actions: [
          { action: "SetVar", name: "who", value: 'Иван & "Co"' },
          { action: "SimpleTransfer", numbers: "{me},101", final: false, timeout: "20", early_media: true },
        ],
      },
    ];
    const moscow = await backend.previewCallInteractive(rules, { caller: "+74951234567", called: "74950001122", at: "10:30" });
    expect(moscow.rule, "positions count from 0, disabled rules included").toBe(2);
    expect(moscow.xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n' +
        '    <SetVar name="who">Иван &amp; &quot;Co&quot;</SetVar>\n' +
        '    <SimpleTransfer final="no" timeout="20" early_media="True">40038,101</SimpleTransfer>\n' +
        "</Response>\n",
    );
    const night = await backend.previewCallInteractive(rules, { caller: "+74951234567", called: "74950001122", at: "23:15" });
    expect(night).toEqual({ rule: 1, xml: answerXml([{ action: "Jump", context: "3", option: "start" }]) });
    expect(night.xml).toContain('    <Jump context="3" option="start"/>\n');

    expect(await backend.previewCallInteractive(rules, { caller: "+78121234567", called: "", at: "10:30" })).toEqual({
      rule: null,
      xml: '<?xml version="1.0" encoding="UTF-8"?>\n<Response/>\n',
    });
    await expect(backend.previewCallInteractive(rules, { caller: "", called: "", at: "25:00" })).rejects.toEqual({
      code: "invalidInput",
      message: '"25:00" is not a time of day: write it as HH:MM, from 00:00 to 23:59',
    });
  });

  it("says when a rule transfers to {me} and the agent's number is not known", async () => {
    const backend = new FakeBackend();
    const everyone = { ...backToMe, when: {} };
    await expect(backend.previewCallInteractive([everyone], { caller: "101", called: "", at: "" })).rejects.toEqual({
      code: "invalidInput",
      message: 'Rule 1 ("Back to me"): it transfers to {me}, but your phone number is not known yet: sign in, or set the number for transfers',
    });
  });

  it("routes back a caller the agent spoke with this week, found however the PBX writes the number", async () => {
    const demo = { ...signedIn, demo: true } as const;
    const talking: CallView = { ...ringing, caller: "+7 495 123-45-67", state: "talking", answeredAtMs: Date.now() - 60_000, actions: callActions("talking", "inbound") };
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, talking)), settings: settingsView({ phoneNumber: "40038" }) });
    const sample = { caller: "84951234567", called: "", at: "" };
    expect((await backend.previewCallInteractive([backToMe], sample)).rule, "a live conversation counts").toBe(0);
    expect((await backend.previewCallInteractive([backToMe], { ...sample, caller: "84951234568" })).rule).toBeNull();
  });

  it("pops a caller with their past calls and the saved rules' answer, keeps it signed out, and dismisses it", async () => {
    const demo = { ...signedIn, demo: true } as const;
    const ended: CallView = { ...ringing, caller: "+74951234567", state: "ended", answeredAtMs: Date.now() - 120_000, endedAtMs: Date.now() - 60_000 };
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot(demo, ended)), settings: settingsView({ phoneNumber: "40038" }) });
    await backend.saveCallInteractive(settings({ rules: [backToMe] }));
    const seen: Array<string | undefined> = [];
    await backend.onSnapshot((s) => seen.push(s.ivr?.callId));

    const popped = backend.popIvr({ callId: "ivr-1", callerNumber: "84951234567", callerName: "Мария Иванова", called: "74950001122", ivr: "0003*001" });
    expect(popped.ivr).toMatchObject({
      callId: "ivr-1",
      callerName: "Мария Иванова",
      called: "74950001122",
      ivr: "0003*001",
      viaRelay: false,
      answer: { rule: "1. Back to me", actions: ["SimpleTransfer 40038"], problem: null },
    });
    expect(popped.ivr?.pastCalls.map((c) => c.callId)).toEqual(["c-1"]);
    expect(seen).toEqual(["ivr-1"]);

    const stranger = backend.popIvr({ callId: "ivr-2", callerNumber: "+15550001111" });
    expect(stranger.ivr).toMatchObject({ callId: "ivr-2", callerName: null, pastCalls: [], answer: { rule: null, actions: [], problem: null } });

    await backend.signOut();
    expect(backend.current.ivr?.callId, "a pop stays when the agent signs out").toBe("ivr-2");
    expect((await backend.dismissIvrPop("ivr-1")).ivr?.callId, "an older pop's dismissal leaves the newer one").toBe("ivr-2");
    const dismissed = await backend.dismissIvrPop("ivr-2");
    expect(dismissed.ivr).toBeNull();
    expect(backend.calls.filter((c) => c.method === "dismissIvrPop").map((c) => c.args)).toEqual([["ivr-1"], ["ivr-2"]]);
  });

  it("shows a rule that cannot be used as the pop's problem", async () => {
    const backend = new FakeBackend();
    await backend.saveCallInteractive(settings({ rules: [{ ...backToMe, when: {} }] }));
    expect(backend.popIvr({ callerNumber: "101" }).ivr?.answer).toEqual({
      rule: "1. Back to me",
      actions: [],
      problem: 'Rule 1 ("Back to me"): it transfers to {me}, but your phone number is not known yet: sign in, or set the number for transfers',
    });
  });

  it("connects to a relay only with both an address and a key, keeps it across sign-out, and closes it when either goes", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ snapshot: withDerived(deskSnapshot({ phase: "signedIn", agentId: 1001 })), relayMs: 500 });
    const seen: (string | null)[] = [];
    await backend.onSnapshot((s) => seen.push(s.relay?.state ?? null));
    await backend.saveCallInteractive(settings({ relayUrl: " wss://relay.example.com/pops " }));
    expect(backend.currentSettings.callInteractive.settings.relayUrl).toBe("wss://relay.example.com/pops");
    expect(backend.current.relay, "no key yet").toBeNull();

    await expect(backend.setRelayKey("short")).rejects.toMatchObject({ code: "invalidInput", message: expect.stringContaining("at least 16") });
    await expect(backend.setRelayKey("sixteen chars ok")).rejects.toMatchObject({ message: expect.stringContaining("only Latin letters") });
    expect(backend.currentSettings.callInteractive.relayKeySaved).toBe(false);

    expect((await backend.setRelayKey("relay-key-0123456789")).callInteractive.relayKeySaved).toBe(true);
    expect(backend.current.relay).toEqual({ state: "connecting" });
    await vi.advanceTimersByTimeAsync(500);
    expect(backend.current.relay).toEqual({ state: "connected" });
    await backend.signOut();
    expect(backend.current.relay, "kept across sign-out").toEqual({ state: "connected" });

    await backend.saveCallInteractive(settings({ relayUrl: null }));
    expect(backend.current.relay).toBeNull();
    expect(seen.filter((state, i) => state !== seen[i - 1])).toEqual(["connecting", "connected", null]);
    expect((await backend.forgetRelayKey()).callInteractive.relayKeySaved).toBe(false);
    vi.useRealTimers();
  });

  it("checks a relay address as the desk does", () => {
    expect(checkRelayUrl("wss://relay.example.com/pops")).toBeNull();
    expect(checkRelayUrl("ws://127.0.0.1:8096/pops")).toBeNull();
    expect(checkRelayUrl("ws://localhost:8096/pops")).toBeNull();
    expect(checkRelayUrl("ws://[::1]:8096/pops")).toBeNull();
    expect(checkRelayUrl("ws://relay.example.com/pops")).toMatch(/must be reached over wss:\/\//);
    expect(checkRelayUrl("https://relay.example.com/pops")).toMatch(/is not a relay address/);
    expect(checkRelayUrl("relay.example.com")).toMatch(/is not a relay address/);
  });

  it("plays the scripted demo's callers through the IVR first, routing one from the history back to the agent", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ scripted: true });
    const { ivr, call } = backend.current;
    expect(ivr?.callerNumber).toBe(call?.caller);
    expect(ivr?.callerName).toBe("Мария Иванова");
    expect(ivr?.pastCalls.length).toBeGreaterThan(0);
    expect(ivr?.answer).toEqual({ rule: "1. Back to me", actions: ["SimpleTransfer 40038"], problem: null });
    await backend.signOut();
  });
});

describe("FakeBackend export", () => {
  afterEach(() => vi.useRealTimers());

  const none: BillFilters = { accountId: null, agentId: null, callId: null, callerNo: null, calleeNo: null, calleeNo2: null };
  const form = (over: Partial<ExportForm> = {}): ExportForm => ({ begin: "2026-11-01", end: "2026-11-10", filters: none, dataType: "callRecord", ...over });
  /** A supervisor whose CC-FS, AK, SK and callback receiver are set up. */
  async function supervisor(init: ConstructorParameters<typeof FakeBackend>[0] = {}) {
    const backend = new FakeBackend(init);
    await backend.setRole("supervisor");
    await backend.saveExportSettings({
      ...exportView().settings,
      ccfsUrl: "https://ccfs.example.com:28443/",
      ak: "ak-1",
      callbackListen: "127.0.0.1:8443",
    });
    await backend.setCcfsSk("sk-1");
    return backend;
  }
  const refusedWith = (message: string) => ({ code: "invalidInput", message });

  it("starts as an agent with nothing configured, and no jobs", () => {
    const backend = new FakeBackend();
    expect(backend.currentSettings.role).toBe("agent");
    expect(backend.currentSettings.export).toMatchObject({ skSaved: false, receiver: { state: "off" }, settings: { ccfsUrl: null, ak: null } });
    expect(backend.current.exports).toEqual([]);
  });

  it("starts the callback receiver only for a supervisor with an AK and SK, as the desk does", async () => {
    const backend = new FakeBackend();
    const configured = { ...exportView().settings, ccfsUrl: "https://ccfs.example.com/", ak: "ak-1" };
    await backend.saveExportSettings(configured);
    await backend.setCcfsSk("sk-1");
    expect(backend.currentSettings.export.receiver, "an agent runs no receiver").toEqual({ state: "off" });

    let view = (await backend.setRole("supervisor")).export;
    expect(view.receiver).toEqual({ state: "failed", reason: "Set the callback address: the https:// address CC-FS uses to reach this computer" });
    view = (await backend.saveExportSettings({ ...configured, callbackUrl: "https://sidekick.example.com:8443/ccfs/callback" })).export;
    expect(view.receiver.state === "failed" && view.receiver.reason).toMatch(/needs a certificate and key/);
    view = (await backend.saveExportSettings({ ...configured, callbackCert: " /etc/r.crt ", callbackKey: "/etc/r.key", callbackListen: "0.0.0.0:9443", callbackUrl: "https://sidekick.example.com:9443/ccfs/callback" })).export;
    expect(view.receiver).toEqual({ state: "listening", url: "https://sidekick.example.com:9443/ccfs/callback" });
    expect(view.settings.callbackCert, "saved trimmed").toBe("/etc/r.crt");
    view = (await backend.saveExportSettings({ ...configured, callbackListen: "127.0.0.1:8443" })).export;
    expect(view.receiver, "plain HTTP on loopback, its URL made from the address").toEqual({ state: "listening", url: "http://127.0.0.1:8443/ccfs/callback" });

    expect((await backend.forgetCcfsSk()).export).toMatchObject({ skSaved: false, receiver: { state: "off" } });
    await expect(backend.setCcfsSk("  ")).rejects.toEqual(refusedWith("Enter the SK (the developer's secret key for CC-FS)"));
  });

  it("refuses wrong settings with the desk's sentences, saving nothing", async () => {
    const backend = new FakeBackend();
    const base = exportView().settings;
    const refusals: Array<[Partial<ExportSettings>, string]> = [
      [{ ccfsUrl: "ccfs.example.com" }, '"ccfs.example.com" is not an address; write it like https://ccfs.example.com:28443/'],
      [{ ccfsUrl: "http://ccfs.example.com/" }, "The CC-FS address must start with https:// (plain http is allowed only for a simulator on this computer)"],
      [{ ak: "a/b" }, "The AK may hold at most 64 characters, with no spaces or slashes"],
      [{ tenantZone: "Mars/Olympus" }, '"Mars/Olympus" is not a time zone; write it as in the IANA list, like Europe/Moscow'],
      [{ callbackListen: "8443" }, '"8443" is not an address to listen on; write it as 0.0.0.0:8443 (address:port)'],
      [{ callbackUrl: "http://sidekick.example.com/ccfs/callback" }, "The callback address must start with https:// (CC-FS calls back over TLS only)"],
      [{ callbackCert: "/etc/r.crt" }, "Give both the callback certificate and its key, or neither"],
    ];
    for (const [wrong, message] of refusals) {
      await expect(backend.saveExportSettings({ ...base, ...wrong })).rejects.toEqual(refusedWith(message));
    }
    expect(backend.currentSettings.export.settings).toEqual(base);
    const zoned = await backend.saveExportSettings({ ...base, ccfsUrl: "http://127.0.0.1:28443/", tenantZone: "Asia/Yekaterinburg" });
    expect(zoned.export.zone).toBe("Asia/Yekaterinburg");
  });

  it("cuts a period into windows of at most three days, each a job, newest first in the snapshot", async () => {
    const backend = await supervisor({ exportMs: 1_000 });
    vi.useFakeTimers();
    const filters = { ...none, agentId: " 1001 ", callerNo: "" };
    const jobs = await backend.requestExport(form({ filters }));
    expect(jobs.map((j) => [j.part, j.parts, j.begin, j.end])).toEqual([
      [1, 4, "2026-11-01 00:00:00", "2026-11-03 23:59:59"],
      [2, 4, "2026-11-04 00:00:00", "2026-11-06 23:59:59"],
      [3, 4, "2026-11-07 00:00:00", "2026-11-09 23:59:59"],
      [4, 4, "2026-11-10 00:00:00", "2026-11-10 23:59:59"],
    ]);
    expect(jobs.every((j) => j.state === "requested" && j.request === jobs[0]?.request)).toBe(true);
    expect(jobs[0]?.filters, "filters trimmed, empty ones left out").toEqual({ ...none, agentId: "1001" });
    expect(backend.current.exports.map((j) => j.id)).toEqual(jobs.map((j) => j.id).reverse());

    const timed = await backend.requestExport(form({ begin: "2026-11-01 10:30", end: "2026-11-04 10:30:15" }));
    expect(timed.map((j) => [j.begin, j.end])).toEqual([
      ["2026-11-01 10:30:00", "2026-11-04 10:29:59"],
      ["2026-11-04 10:30:00", "2026-11-04 10:30:15"],
    ]);
    expect(timed[0]?.request).toBe((jobs[0]?.request ?? 0) + 1);
  });

  it("refuses what the desk refuses, in its words", async () => {
    const agent = new FakeBackend();
    await expect(agent.requestExport(form())).rejects.toEqual(refusedWith("Exports are for supervisors: turn on the supervisor role in Settings"));
    await agent.setRole("supervisor");
    await expect(agent.requestExport(form())).rejects.toEqual(refusedWith("Set the CC-FS address in Settings first"));
    await agent.saveExportSettings({ ...exportView().settings, ccfsUrl: "https://ccfs.example.com/", ak: "ak-1" });
    await expect(agent.requestExport(form())).rejects.toEqual(refusedWith("Set the CC-FS AK and SK in Settings first"));
    await agent.setCcfsSk("sk-1");
    await expect(agent.requestExport(form())).rejects.toEqual(
      refusedWith("The callback receiver is not running: Set the callback address: the https:// address CC-FS uses to reach this computer"),
    );

    const backend = await supervisor();
    await expect(backend.requestExport(form({ begin: "01.11.2026" }))).rejects.toEqual(
      refusedWith('"01.11.2026" is not a date; write it as YYYY-MM-DD, optionally with HH:MM'),
    );
    await expect(backend.requestExport(form({ end: "2026-02-30" }))).rejects.toMatchObject({ message: expect.stringContaining('"2026-02-30" is not a date') });
    await expect(backend.requestExport(form({ begin: "2026-11-10 12:00", end: "2026-11-10 09:00" }))).rejects.toEqual(
      refusedWith("The period ends (2026-11-10 09:00:00) before it begins (2026-11-10 12:00:00)"),
    );
    await expect(backend.requestExport(form({ filters: { ...none, agentId: "1".repeat(21) } }))).rejects.toEqual(
      refusedWith("The agent id may be at most 20 characters (it has 21)"),
    );
    await expect(backend.requestExport(form({ filters: { ...none, accountId: "a".repeat(20), callerNo: "7".repeat(26) } }))).rejects.toEqual(
      refusedWith("The caller number may be at most 25 characters (it has 26)"),
    );
    expect(backend.current.exports, "nothing was asked").toEqual([]);
  });

  it("moves a job on to ready, step by step, with rows to show", async () => {
    const backend = await supervisor({ exportMs: 1_000 });
    vi.useFakeTimers();
    const states: string[] = [];
    await backend.onSnapshot((s) => states.push(s.exports[0]?.state ?? "none"));
    const [job] = await backend.requestExport(form({ begin: "2026-11-20", end: "2026-11-20" }));
    if (!job) throw new Error("no job");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(backend.current.exports[0]).toMatchObject({ state: "waiting", responseId: expect.any(String) });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(backend.current.exports[0]).toMatchObject({ state: "downloading", billFileName: `bill_20261120_${job.id}.zip` });
    await vi.advanceTimersByTimeAsync(1_000);
    const ready = backend.current.exports[0];
    expect(ready).toMatchObject({ state: "ready", reason: null });
    expect(states.filter((s, i) => s !== states[i - 1])).toEqual(["requested", "waiting", "downloading", "ready"]);
    expect(ready?.calls).toBeGreaterThan(0);
    expect(ready?.records).toBe((ready?.calls ?? 0) - 1);

    const query: RowQuery = { kind: "calls", job: job.id, search: "", sort: null, descending: false, offset: 0 };
    const page = await backend.exportRows(query);
    expect(page.columns).toEqual(CDR_COLUMNS);
    expect(page).toMatchObject({ total: ready?.calls, offset: 0 });
    const begins = page.rows.map((r) => r[CDR_COLUMNS.indexOf("call_begin")] ?? "");
    expect(begins, "sorted by call start unless asked otherwise").toEqual([...begins].sort());
    expect(begins.every((b) => b.startsWith("2026-11-20 "))).toBe(true);
    const records = await backend.exportRows({ ...query, kind: "records" });
    expect(records.columns).toEqual(RECORD_COLUMNS);
    expect(records.total).toBe(ready?.records);
  });

  it("searches, sorts and pages the rows as the desk's store does", async () => {
    const backend = await supervisor();
    const [job] = await backend.requestExport(form({ begin: "2026-11-20", end: "2026-11-20" }));
    if (!job) throw new Error("no job");
    // Many rows: a job as the desk would publish it after a big download.
    backend.emit({ ...backend.current, exports: [{ ...job, id: 99, state: "ready", calls: 1_234, records: 0 }] });
    const all: RowQuery = { kind: "calls", job: 99, search: "", sort: null, descending: false, offset: 0 };
    const first = await backend.exportRows(all);
    expect([first.rows.length, first.total, first.offset]).toEqual([500, 1_234, 0]);
    const last = await backend.exportRows({ ...all, offset: 1_000 });
    expect([last.rows.length, last.offset]).toEqual([234, 1_000]);

    const agent = CDR_COLUMNS.indexOf("agent_id");
    const byAgent = await backend.exportRows({ ...all, sort: "agent_id", descending: true });
    expect(byAgent.rows[0]?.[agent]).toBe("1005");
    const found = await backend.exportRows({ ...all, search: " 1003 " });
    expect(found.total).toBeGreaterThan(0);
    expect(found.total).toBeLessThan(1_234);
    expect(found.rows.every((r) => [r[3], r[4], r[5], r[6]].some((v) => v?.includes("1003")))).toBe(true);
    expect((await backend.exportRows({ ...all, search: "nobody" })).total).toBe(0);

    const everyReady = await backend.exportRows({ ...all, job: null });
    expect(everyReady.total, "every ready job's rows").toBe(1_234 + (backend.current.exports.find((j) => j.id === job.id)?.calls ?? 0));
  });

  it("fails a job CC-FS refuses, and retries it", async () => {
    const backend = await supervisor({ refuseExports: EXPORT_REFUSED });
    const [job] = await backend.requestExport(form({ begin: "2026-11-20", end: "2026-11-21" }));
    if (!job) throw new Error("no job");
    expect(backend.current.exports[0]).toMatchObject({ id: job.id, state: "failed", reason: EXPORT_REFUSED });
    await expect(backend.exportRows({ kind: "calls", job: job.id, search: "", sort: null, descending: false, offset: 0 })).resolves.toMatchObject({ total: 0 });

    backend.refuseExports = null;
    const answer = await backend.retryExport(job.id);
    expect(answer.find((j) => j.id === job.id)?.state, "the answer shows it asked again").toBe("requested");
    expect(backend.current.exports[0]).toMatchObject({ id: job.id, state: "ready", reason: null });
    await expect(backend.retryExport(job.id)).rejects.toEqual(refusedWith("Only a failed job can be retried"));
    await expect(backend.retryExport(12_345)).rejects.toEqual(refusedWith("There is no export job 12345"));
    expect((await backend.exportAudit()).map((e) => e.action)).toEqual(["download", "callback", "retry", "query", "request"]);
  });

  it("writes CSV into Downloads, and logs it", async () => {
    const backend = await supervisor();
    await backend.requestExport(form({ begin: "2026-11-20", end: "2026-11-20", dataType: "record" }));
    const path = await backend.exportCsv({ kind: "records", job: null, search: "", sort: "agent_id", descending: false, offset: 500 });
    expect(path).toMatch(/^\/home\/supervisor\/Downloads\/sidekick-recording-index-\d{8}-\d{6}\.csv$/);
    const [entry] = await backend.exportAudit();
    expect(entry).toMatchObject({ action: "csv", job: null, detail: 'recording-index, search ""' });
    expect(entry?.result).toMatch(/^ok: \d+ rows to \/home\/supervisor\/Downloads\//);
  });

  it("gives the scripted demo a supervisor with earlier exports, one of them refused", async () => {
    vi.useFakeTimers();
    const backend = new FakeBackend({ scripted: true });
    expect(backend.currentSettings.role).toBe("supervisor");
    expect(backend.currentSettings.export.receiver.state).toBe("listening");
    expect(backend.current.exports.map((j) => j.state)).toEqual(["failed", "ready", "ready"]);
    await backend.signOut();
  });
});

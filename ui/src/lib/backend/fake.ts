/**
 * An in-memory {@link Backend} for unit tests and for running the UI in a plain browser.
 *
 * Tests set the desk with `emit(snapshot)`, read what the UI asked for in `calls`, and make a
 * method reject with `fail(method, error)`. Call control and state changes act on the snapshot as
 * the desk would, refusing what the current `actions` / `canChangeState` do not allow; snapshots
 * the fake publishes itself carry those derived fields as the desk computes them. Like the desk,
 * it keeps a password "in the keychain" when a sign-in asks to `remember` it (only the fact, never
 * the password), accepts an empty password only for that agent and gateway, and forgets it on
 * request.
 *
 * Notes work as the desk's do: each call on the card comes with its `notes`, whose `baseBytes`
 * follows the desk's rule; a note that would not fit is refused with the desk's sentence; a note
 * on a live call goes `pending` → `sending` → `confirmed` over `deliverMs` (or `notAttached` when
 * the call ended first), and one typed after the call ended is `notAttached` at once. Without a
 * call-data key (a signed-in, non-demo session whose settings have none) notes are unavailable,
 * as on the desk; the demo has its own key. Every call that reaches the card goes into the
 * history, with its notes.
 *
 * Recording works as the desk's does. A demo session records through "odfs" (the demo's own
 * ODFS), any other through `settings.recordingPath` as it was at sign-in (`recording` is `null`
 * without one); ODFS without a saved app secret is unavailable, with the desk's reason. A start
 * shows `requesting`, then `recording` once the "platform" confirms after `recordMs` (on ODFS
 * `startRecording` resolves only then, as the desk awaits ODFS's answer; on the gateway it
 * resolves at once and the confirming event follows), or `failed` with the platform's code
 * when `refuseRecording` is set. Only the gateway path can stop. A call that ends turns its
 * recording off (a failure stays, with its reason). Every request and outcome goes into the
 * audit log, as the desk writes it.
 *
 * Telphin Call Interactive works as the desk's does: saving checks the rules (a few of the
 * backend's checks, with its sentences: `Rule 2 ("Night"): …`), the listen address and the
 * transfer number, then the "server" listens on the address (`0.0.0.0:8095` by default) with a
 * secret token that `renewCallInteractiveToken` replaces; `callInteractiveAddress` gives
 * `http://192.168.1.20:8095/ci/<token>`. The preview evaluates the rules (first enabled match;
 * caller, called, time window, and "spoke within" against the fake's history) and writes the XML
 * as the backend does. `popIvr` puts a caller the IVR announced on the screen, with their past
 * calls and the saved rules' answer; the pop stays (signed in or not) until `dismissIvrPop`.
 *
 * The supervisor's export works as the desk's does: the role, the CC-FS settings (checked with
 * the desk's sentences) and the SK (only the fact that one is saved) decide whether the callback
 * receiver "listens"; a request is refused as the desk refuses it (not a supervisor, CC-FS not
 * configured, no receiver, a time that is not one, the end before the start, a filter too long),
 * else its period is cut into windows of at most three days (`begin + 3 days − 1 s` each), a job
 * each, that go requested → waiting → downloading → ready over `exportMs` a step, or fail with
 * `refuseExports`' sentence. A ready job holds a few made-up CDRs and recording indexes (see
 * {@link jobRows}), which `exportRows` searches, sorts and pages as the desk's store does.
 *
 * With `scripted: true` (what `index.ts` uses outside Tauri) it starts in a demo session with a
 * few calls in the history and plays calls on a timer, each announced by the IVR first (the
 * demo's rules route a caller from the history back to the agent), so `npm run dev` shows a
 * living window rather than an empty one. Its user is a supervisor with a configured CC-FS and a
 * few earlier exports (one of them refused, to retry).
 */
import { formatWallTime, parseWallTime, splitPeriod } from "../export/period";
import { jsonEscapedLen, utf8Len } from "../notes/budget";
import type { Backend } from "./backend";
import type {
  AgentState,
  AuditAction,
  AuditEntry,
  AuditOutcome,
  CallActions,
  CallNotes,
  CallState,
  CallView,
  Delivery,
  DeskSnapshot,
  Direction,
  Action,
  BillFilters,
  DataType,
  ExportAuditEntry,
  ExportForm,
  ExportJobView,
  ExportSettings,
  ExportView,
  HistoryCall,
  InteractiveSettings,
  InteractiveView,
  IpcError,
  IvrAnswer,
  IvrPop,
  Language,
  NoteView,
  NumberPattern,
  Preview,
  RecordingPath,
  RecordingState,
  RecordingView,
  RelayConnection,
  Role,
  RowKind,
  RowPage,
  RowQuery,
  Rule,
  SampleCall,
  SessionView,
  SettingsView,
  SignInForm,
  StateChoice,
  ComponentForm,
  DesktopSettings,
  FileLinkView,
  PolicyView,
  HotkeyAction,
  TakeoverSettings,
  UploadForm,
} from "./generated";
import { FakeTakeover, takeoverView } from "./fakeTakeover";

/** A `Backend` method the fake records and can make fail. */
export type Method = Exclude<keyof Backend, "onSnapshot">;

export interface RecordedCall {
  method: Method;
  args: unknown[];
}

let lastRevision = 0;

/**
 * A snapshot with a signed-out, offline session, overridden by `session`. Each one gets a higher
 * revision than the one made before it, as the desk's do. `canChangeState` defaults to `false`;
 * see {@link withDerived} for the values the desk would compute. Given to a {@link FakeBackend},
 * a snapshot with a call and `notes: null` (or `recording: null`) gets the fake's notes (or
 * recording) of that call, one with `ivr: null` the fake's screen pop (see
 * {@link FakeBackend.popIvr}), and one with no `exports` the fake's export jobs.
 */
export function deskSnapshot(
  session: Partial<SessionView> = {},
  call: CallView | null = null,
  notes: CallNotes | null = null,
  recording: RecordingView | null = null,
  ivr: IvrPop | null = null,
): DeskSnapshot {
  return {
    revision: ++lastRevision,
    session: {
      phase: "signedOut",
      agentId: null,
      agentState: "unknown",
      health: "offline",
      notice: null,
      demo: false,
      gateway: null,
      canChangeState: false,
      lastContactMs: null,
      busyReasons: [],
      ...session,
    },
    call,
    notes,
    recording,
    ivr,
    relay: null,
    exports: [],
    takeover: null,
  };
}

/** The most bytes a call's notes document may take (the desk's `MAX_PLAINTEXT_BYTES`). */
export const MAX_NOTES_BYTES = 16_367;

/** Whether a note is part of what the call's data holds (the desk's `carried`). */
const carried = (d: Delivery) => d === "pending" || d === "sending" || d === "confirmed";

/**
 * `baseBytes` as the desk computes it: the size of the call's notes document (its carried notes,
 * compact JSON) with one more note of empty text by `agentId`. `at` is RFC 3339 with
 * milliseconds, always 24 characters.
 */
export function notesBaseBytes(callId: string, notes: NoteView[], agentId: number): number {
  const note = (author: number, atMs: number, text: string) => ({ author: String(author), at: new Date(atMs).toISOString(), text });
  const doc = {
    v: 1,
    callId,
    notes: [...notes.filter((n) => carried(n.delivery)).map((n) => note(n.author, n.atMs, n.text)), note(agentId, 0, "")],
  };
  return utf8Len(JSON.stringify(doc));
}

/** The `notes` of a snapshot for `callId`, as the desk would publish them for `agentId`. */
export function callNotes(callId: string, notes: NoteView[], agentId: number, unavailable: string | null = null): CallNotes {
  return { callId, notes, maxBytes: MAX_NOTES_BYTES, baseBytes: notesBaseBytes(callId, notes, agentId), unavailable };
}

/** Why notes are unavailable without a call-data key (the desk's sentence). */
export const NO_KEY = "No call-data key is set, so notes cannot be sealed. An administrator enters it in Settings.";
/** The reason of a note typed after its call ended (the desk's sentence). */
export const TYPED_AFTER_END = "Not attached: typed after the call ended. Kept here.";
/** The reason of a note whose call ended before it could be delivered (the desk's sentence). */
export const CALL_GONE = "Not attached: the call had ended (or moved on) before the note reached the gateway (400-001)";

/** Why ODFS recording is unavailable without its app secret (the desk's sentence). */
export const NO_ODFS_SECRET = "The ODFS app secret is not set; an administrator enters it in Settings";
/** What the desk says when ODFS refuses a recording (`refuseRecording`). */
export const ODFS_REFUSED =
  "ODFS did not start the recording (10000002): The recording service refused (10000002): a parameter was rejected";
/** What the desk says when the gateway reports `AgentMediaEvent_Record_Fail` (`refuseRecording`). */
export const GATEWAY_RECORD_FAILED = "The gateway could not start the recording (AgentMediaEvent_Record_Fail)";

/** How many audit entries the desk shows (its `AUDIT_SHOWN`). */
const AUDIT_SHOWN = 500;

/** How many calls the history keeps (the desk's `HISTORY_CALLS`). */
const HISTORY_CALLS = 200;

/** What `Key::parse` says about a call-data key that is not one (never repeating the key). */
function keyProblem(text: string): string | null {
  const key = text.trim();
  const chars = [...key].length;
  const forms = "must be 16 bytes: 32 hex characters or 24 Base64 characters";
  if (chars === 0) return `No key was given; the key ${forms}`;
  if (chars === 32) {
    const bad = [...key].findIndex((c) => !/[0-9a-fA-F]/.test(c));
    return bad < 0 ? null : `The key has 32 characters, as a hex key should, but character ${bad + 1} is not a hex digit (0-9, a-f, A-F)`;
  }
  if (chars === 24) {
    // Standard Base64 of 16 bytes: 22 characters, the last carrying only 2 bits, then "==".
    return /^[A-Za-z0-9+/]{21}[AQgw]==$/.test(key)
      ? null
      : "The key has 24 characters, as a Base64 key should, but is not standard Base64 of 16 bytes (letters, digits, + and /, ending in ==)";
  }
  return `The key ${forms}; this is ${chars} character${chars === 1 ? "" : "s"}`;
}

/** What the desk allows with a call in `state` (mirrors `actions_for` in crates/desk/src/call.rs). */
export function callActions(state: CallState, direction: Direction): CallActions {
  return {
    answer: state === "ringing" && direction === "inbound",
    hold: state === "talking",
    unhold: state === "held",
    hangUp: state === "talking" || state === "held",
  };
}

/**
 * `snapshot` with the fields the desk derives (`call.actions`, `session.canChangeState`) computed
 * the way the desk computes them: a state change needs a signed-in session and no live call.
 */
export function withDerived(snapshot: DeskSnapshot): DeskSnapshot {
  const call = snapshot.call && { ...snapshot.call, actions: callActions(snapshot.call.state, snapshot.call.direction) };
  const canChangeState = snapshot.session.phase === "signedIn" && (call === null || call.state === "ended");
  return { ...snapshot, session: { ...snapshot.session, canChangeState }, call };
}

/** The agent state the gateway reports once it has accepted `choice`. */
const CHOSEN_STATE: Record<StateChoice["kind"], AgentState> = {
  ready: "ready",
  notReady: "notReady",
  rest: "rest",
  wrapUp: "wrapUp",
};

const NO_ACTIONS: CallActions = { answer: false, hold: false, unhold: false, hangUp: false };

/** How the desk refuses an intent it does not allow now. */
function refusal(message: string): IpcError {
  return { code: "invalidInput", message };
}

/** What is wrong with a relay address, in the desk's words, or `null` when it will do. */
export function checkRelayUrl(text: string): string | null {
  const notRelay = `${JSON.stringify(text)} is not a relay address; write it like wss://relay.example.com/pops`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return notRelay;
  }
  if (url.hostname === "") return notRelay;
  const host = url.hostname.toLowerCase();
  const loopback = host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (url.protocol === "wss:") return null;
  if (url.protocol === "ws:") {
    return loopback
      ? null
      : "The relay must be reached over wss:// (plain ws:// is allowed only to this computer: localhost, 127.0.0.1 or [::1])";
  }
  return notRelay;
}

/** Where the Call Interactive server listens unless configured (the desk's `DEFAULT_LISTEN`). */
export const DEFAULT_LISTEN = "0.0.0.0:8095";
/** The computer's LAN address, as the fake tells the PBX to reach a server on every interface. */
export const LAN_ADDRESS = "192.168.1.20";
/** The most actions one answer may hold (the vendor's limit). */
export const MAX_ACTIONS = 10;
/** In a transfer list, the item that stands for the agent's own number. */
export const MY_NUMBER = "{me}";
/** At most this many past calls come with a pop (the desk's `POP_HISTORY`). */
const POP_HISTORY = 5;

/** Call Interactive turned off, with nothing configured, as on a fresh install. */
const DEFAULT_INTERACTIVE: InteractiveView = {
  settings: { enabled: false, listen: null, rules: [], transferNumber: null, relayUrl: null },
  myNumber: null,
  status: { state: "off" },
  relayKeySaved: false,
};

/** The Call Interactive part of the settings: `settings` over nothing configured, changed by `over`. */
export function interactiveView(settings: Partial<InteractiveSettings> = {}, over: Partial<InteractiveView> = {}): InteractiveView {
  return { ...DEFAULT_INTERACTIVE, settings: { ...DEFAULT_INTERACTIVE.settings, ...settings }, ...over };
}

/** The demo's rules (the desk's): callers spoken with this week go back to the agent; other callers from Russia get Russian prompts. */
export const DEMO_RULES: Rule[] = [
  {
    name: "Back to me",
    enabled: true,
    when: { spokeWithinDays: 7 },
    actions: [{ action: "SimpleTransfer", numbers: MY_NUMBER, final: true, early_media: false }],
  },
  {
    name: "Russian prompts",
    enabled: true,
    when: { caller: { prefix: "+7" } },
    actions: [{ action: "SetVar", name: "lang", value: "ru" }],
  },
];

/*
 * The supervisor's export from CC-FS, as the desk does it (crates/desk/src/export): its settings'
 * checks and the callback receiver's start, with the desk's sentences; the period cut into windows
 * of at most three days; the jobs' progress; the stored rows, searched, sorted and paged.
 */

/** The CDR columns, in the vendor's order (the desk's `CDR_COLUMNS`). */
export const CDR_COLUMNS = [
  "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "wait_begin", "wait_end", "ack_begin",
  "ack_end", "call_begin", "call_end", "device_type", "device_no", "call_type", "release_cause", "call_id_num", "vdn_id",
  "pre_device_type", "pre_device_no",
];
/** The recording-index columns (the desk's `RECORD_COLUMNS`). */
export const RECORD_COLUMNS = [
  "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "call_begin", "call_end", "file_name",
  "task_status", "task_result", "original_file_name", "vdn_id", "call_type", "media_type", "user_wanted_skill_id",
  "current_skill_id",
];
/** Rows per page of the export table (the desk's `PAGE_ROWS`). */
export const PAGE_ROWS = 500;
/** Jobs the snapshot shows, the newest (the desk's `JOBS_SHOWN`). */
const JOBS_SHOWN = 50;
/** Where the callback receiver listens unless configured (the desk's `DEFAULT_CALLBACK_LISTEN`). */
export const DEFAULT_CALLBACK_LISTEN = "0.0.0.0:8443";
/** What the desk says when CC-FS refuses a query (`refuseExports`'s default). */
export const EXPORT_REFUSED = "CC-FS refused (CCFS.10010): Requests are too frequent, try again later";

/** This computer's time zone, which the desk uses when the tenant's is not set. */
function computerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Nothing configured for the export, as on a fresh install. */
const DEFAULT_EXPORT_SETTINGS: ExportSettings = {
  ccfsUrl: null,
  ak: null,
  tenantZone: null,
  callbackListen: null,
  callbackUrl: null,
  callbackCert: null,
  callbackKey: null,
  timestampMillis: false,
};

/** The export part of the settings: `settings` over nothing configured, changed by `over`. */
export function exportView(settings: Partial<ExportSettings> = {}, over: Partial<ExportView> = {}): ExportView {
  const saved = { ...DEFAULT_EXPORT_SETTINGS, ...settings };
  return { settings: saved, skSaved: false, zone: saved.tenantZone ?? computerZone(), receiver: { state: "off" }, demo: false, ...over };
}

/** The demo's CC-FS (the receiver on loopback may serve plain HTTP, as for the simulator). */
const DEMO_EXPORT = exportView(
  { ccfsUrl: "https://ccfs.demo.sidekick.local:28443/", ak: "demo-ak-7f3a", tenantZone: "Europe/Moscow", callbackListen: "127.0.0.1:8443" },
  { skSaved: true, receiver: { state: "listening", url: "http://127.0.0.1:8443/ccfs/callback" } },
);

/** What the desk says is wrong with the CC-FS address, or `null`. */
function ccfsUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an address; write it like https://ccfs.example.com:28443/`;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === "https") return null;
  if (scheme === "http") {
    return isLoopbackHost(url.hostname) ? null : "The CC-FS address must start with https:// (plain http is allowed only for a simulator on this computer)";
  }
  return `The CC-FS address must start with https://, not ${scheme}://`;
}

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The export settings trimmed and checked as the desk checks them; throws its sentence for the first wrong field. */
function checkedExportSettings(settings: ExportSettings): ExportSettings {
  const trim = (v: string | null) => v?.trim() || null;
  const s: ExportSettings = {
    ccfsUrl: trim(settings.ccfsUrl),
    ak: trim(settings.ak),
    tenantZone: trim(settings.tenantZone),
    callbackListen: trim(settings.callbackListen),
    callbackUrl: trim(settings.callbackUrl),
    callbackCert: trim(settings.callbackCert),
    callbackKey: trim(settings.callbackKey),
    timestampMillis: settings.timestampMillis,
  };
  const urlProblem = s.ccfsUrl === null ? null : ccfsUrlProblem(s.ccfsUrl);
  if (urlProblem) throw refusal(urlProblem);
  if (s.ak !== null && ([...s.ak].length > 64 || /[\s/]/.test(s.ak))) {
    throw refusal("The AK may hold at most 64 characters, with no spaces or slashes");
  }
  if (s.tenantZone !== null) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: s.tenantZone });
    } catch {
      throw refusal(`"${s.tenantZone}" is not a time zone; write it as in the IANA list, like Europe/Moscow`);
    }
  }
  if (s.callbackListen !== null && !isSocketAddress(s.callbackListen)) {
    throw refusal(`"${s.callbackListen}" is not an address to listen on; write it as 0.0.0.0:8443 (address:port)`);
  }
  if (s.callbackUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(s.callbackUrl);
    } catch {
      throw refusal(`"${s.callbackUrl}" is not an address; write it like https://sidekick.example.com:8443/ccfs/callback`);
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
      throw refusal("The callback address must start with https:// (CC-FS calls back over TLS only)");
    }
  }
  if ((s.callbackCert === null) !== (s.callbackKey === null)) {
    throw refusal("Give both the callback certificate and its key, or neither");
  }
  return s;
}

/** How the callback receiver stands for `view` and `role`, as the desk starts it (the fake binds nothing). */
function receiverFor(role: Role, view: ExportView): ExportView["receiver"] {
  const s = view.settings;
  if (role !== "supervisor" || s.ak === null || !view.skSaved) return { state: "off" };
  const listen = s.callbackListen ?? DEFAULT_CALLBACK_LISTEN;
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon);
  const port = Number(listen.slice(colon + 1));
  const tls = s.callbackCert !== null && s.callbackKey !== null;
  const failed = (reason: string) => ({ state: "failed", reason }) as const;
  if (s.callbackUrl === null && (host === "0.0.0.0" || host === "[::]")) {
    return failed("Set the callback address: the https:// address CC-FS uses to reach this computer");
  }
  if (!tls && !isLoopbackHost(host)) {
    return failed("The callback receiver needs a certificate and key (CC-FS calls back over HTTPS only); plain HTTP is allowed only on 127.0.0.1");
  }
  if (port > 0 && port < 1024) return failed(`This computer does not let the app listen on port ${port}`);
  return { state: "listening", url: s.callbackUrl ?? `${tls ? "https" : "http"}://${listen}/ccfs/callback` };
}

/** The filters trimmed, empty ones left out, their lengths checked (CC-FS's Table 3), as the desk does. */
function normalizedFilters(filters: BillFilters): BillFilters {
  const field = (value: string | null, name: string, max: number) => {
    const v = value?.trim() || null;
    const chars = v === null ? 0 : [...v].length;
    if (chars > max) throw refusal(`${name} may be at most ${max} characters (it has ${chars})`);
    return v;
  };
  return {
    accountId: field(filters.accountId, "The account id", 20),
    agentId: field(filters.agentId, "The agent id", 20),
    callId: field(filters.callId, "The call id", 25),
    callerNo: field(filters.callerNo, "The caller number", 25),
    calleeNo: field(filters.calleeNo, "The called number", 25),
    calleeNo2: field(filters.calleeNo2, "The second called number", 25),
  };
}

/** `dataType` as CC-FS's wire writes it. */
const WIRE_DATA_TYPE: Record<DataType, string> = { call: "call", record: "record", callRecord: "call_record" };

/** The audit log's detail of a request, as the desk writes it. */
function describeRequest(form: ExportForm, filters: BillFilters, jobs: number): string {
  const named: Array<[string, string | null]> = [
    ["account", filters.accountId],
    ["agent", filters.agentId],
    ["call", filters.callId],
    ["caller", filters.callerNo],
    ["callee", filters.calleeNo],
    ["callee2", filters.calleeNo2],
  ];
  return [
    `${form.begin.trim()} – ${form.end.trim()}`,
    WIRE_DATA_TYPE[form.dataType],
    ...named.filter(([, v]) => v !== null).map(([name, v]) => `${name} ${v}`),
    `${jobs} job${jobs === 1 ? "" : "s"}`,
  ].join(", ");
}

/** How many CDRs and recording indexes the "file" of a ready job holds: a few, by its id. */
function exportCounts(job: ExportJobView): { calls: number; records: number } {
  const base = 4 + ((job.id * 5 + job.part) % 7);
  return { calls: job.dataType === "record" ? 0 : base, records: job.dataType === "call" ? 0 : base - 1 };
}

/**
 * The rows of a ready job, made up from it: `job.calls` CDRs (or `job.records` recording indexes,
 * of the same calls) spread over its window, matching its filters. The same job always gives the
 * same rows.
 */
export function jobRows(job: ExportJobView, kind: RowKind, developer = "demo-ak-7f3a"): string[][] {
  const count = kind === "calls" ? job.calls : job.records;
  const begin = parseWallTime(job.begin) ?? 0;
  const span = Math.max(0, (parseWallTime(job.end, true) ?? begin) - begin);
  const agents = ["1001", "1002", "1003", "1005"];
  const callers = ["+74951234567", "+74959876543", "+79161112233", "+78125550101", "+79031234455"];
  const f = job.filters;
  return Array.from({ length: count }, (_, i) => {
    const seed = job.id * 31 + i * 17;
    const at = begin + Math.floor(((i + 0.5) * span) / Math.max(count, 1) / 1000) * 1000;
    const agent = f.agentId ?? agents[seed % agents.length] ?? "1001";
    const callId = f.callId ?? `${Math.floor(at / 1000)}-${String(job.id).padStart(3, "0")}${String(i).padStart(3, "0")}`;
    const caller = f.callerNo ?? callers[(seed * 7) % callers.length] ?? "";
    const callee = f.calleeNo ?? "74950001122";
    const account = f.accountId ?? "tenant01";
    const waitEnd = at + (5 + (seed % 35)) * 1000;
    const ackEnd = waitEnd + (3 + (seed % 12)) * 1000;
    const callEnd = ackEnd + (30 + ((seed * 13) % 570)) * 1000;
    const [wb, we, ab, ae, cb, ce] = [at, waitEnd, waitEnd, ackEnd, ackEnd, callEnd].map(formatWallTime);
    if (kind === "calls") {
      return [developer, account, "1", agent, callId, caller, callee, wb, we, ab, ae, cb, ce, "2", agent, "0", "0", "-1", "1", "1", "10"] as string[];
    }
    const file = `${callId}.V3`;
    const path = `Y:/${(cb ?? "").slice(0, 10).replace(/-/g, "")}/${agent}/${file}`;
    return [developer, account, "1", agent, callId, caller, callee, cb, ce, path, "0", "", file, "1", "0", "1", "1", "1"] as string[];
  });
}

/** The administrator's policy part of the settings: no policy file, unless `over` says otherwise. */
export function policyView(over: Partial<PolicyView> = {}): PolicyView {
  return { path: "/etc/sidekick/policy.json", found: false, locked: [], problems: [], updatesDisabled: false, ...over };
}

const DEFAULT_SETTINGS: SettingsView = {
  gatewayUrl: null,
  agentId: null,
  phoneNumber: null,
  language: "auto",
  passwordSaved: false,
  systemLanguage: null,
  callDataKeySaved: false,
  recordingPath: null,
  odfsSecretSaved: false,
  recordHotkey: null,
  recordHotkeyProblem: null,
  callInteractive: DEFAULT_INTERACTIVE,
  role: "agent",
  export: exportView(),
  takeover: takeoverView(),
  policy: policyView(),
  desktop: { closeToTray: true, alwaysOnTop: false, launchAtLogin: false },
  update: { state: "notConfigured" },
  hotkeys: (["answer", "hold", "hangUp", "record", "focusNotes", "attachNote"] as const).map((action) => ({
    action,
    accelerator: action === "record" ? "CmdOrCtrl+Shift+R" : null,
    problem: null,
  })),
};

/** Settings with nothing saved, as on a fresh install, changed by `over` (for tests). */
export function settingsView(over: Partial<SettingsView> = {}): SettingsView {
  return { ...DEFAULT_SETTINGS, ...over };
}

/**
 * The keychain account a password is saved under: agent id and gateway host, as the desk keys it
 * (`null` when the form names no valid gateway or agent).
 */
function keychainAccount(gatewayUrl: string | null, agentId: string | number | null): string | null {
  if (gatewayUrl === null || agentId === null) return null;
  const id = Number.parseInt(String(agentId).trim(), 10);
  if (Number.isNaN(id)) return null;
  try {
    return `${id}@${new URL(gatewayUrl.trim()).host}`;
  } catch {
    return null;
  }
}

/*
 * Call Interactive, as the desk and `crates/interactive` do it: rule checks (with the desk's
 * sentences), first-match evaluation, `{me}`, and the XML answer written as the backend writes it.
 */

/** The digits of a number, the last 10 when there are more (the desk's `number_key`). */
function numberKey(number: string): string {
  const digits = number.replace(/\D/g, "");
  return digits.length > 10 ? digits.slice(-10) : digits;
}

/** Whether two numbers are the same caller, across `+7 495 …` / `8495…` forms (the desk's `same_number`). */
export function sameNumber(a: string, b: string): boolean {
  const [ka, kb] = [numberKey(a), numberKey(b)];
  if (ka === "" || kb === "") return a.trim() !== "" && a.trim() === b.trim();
  if (ka.length >= 10 || kb.length >= 10) return ka === kb;
  return a.trim() === b.trim();
}

function patternText(p: NumberPattern): string {
  return "exact" in p ? p.exact : "prefix" in p ? p.prefix : p.glob;
}

/** Whether `number` matches; an empty pattern matches nothing. In a glob, `*` is any run of characters. */
function patternMatches(p: NumberPattern, number: string): boolean {
  const text = patternText(p);
  if (text === "") return false;
  if ("exact" in p) return number === text;
  if ("prefix" in p) return number.startsWith(text);
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${text.split("*").map(literal).join(".*")}$`, "s").test(number);
}

/** Minutes since midnight of `H:MM` / `HH:MM`, or `null`. */
function minutesOf(time: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) return null;
  const [hour, minute] = [Number(m[1]), Number(m[2])];
  return hour < 24 && minute < 60 ? hour * 60 + minute : null;
}

/** The element an action is written as. */
const element = (a: Action) => a.action;

/** What the backend says is wrong with one action (a few of its checks), or `null`. */
function actionProblem(a: Action): string | null {
  const seconds = (attribute: string, value: string | null | undefined) =>
    value != null && !/^\d{1,9}$/.test(value) ? `${attribute} must be a whole number of seconds written in digits, not ${JSON.stringify(value)}` : null;
  const required = (attribute: string, value: string) => {
    if (value === "") return `${attribute} must not be empty`;
    return /\s/.test(value) ? `${attribute} ${JSON.stringify(value)} must not contain spaces` : null;
  };
  const variable = (attribute: string, value: string) =>
    required(attribute, value) ??
    (/^\w+$/.test(value)
      ? null
      : `${attribute} ${JSON.stringify(value)} may hold only Latin letters, digits and _ (it is read back as $name in the IVR's URL)`);
  switch (a.action) {
    case "Hangup":
      return null;
    case "Pause":
      return seconds("Pause length", a.length);
    case "SetVar":
      return variable("SetVar name", a.name);
    case "Jump":
      return required("Jump context", a.context) ?? required("Jump option", a.option);
    case "SetCaller":
      return required("SetCaller number", a.number);
    case "PlaySound":
      if (a.where !== "foreground" && a.where !== "background") {
        return `PlaySound where must be "foreground" or "background", not ${JSON.stringify(a.where)}`;
      }
      if (a.digitvar != null && a.where === "foreground") {
        return `PlaySound digitvar only works with where="background": the caller's digits are collected only while a sound plays in the background`;
      }
      return (a.digitvar != null ? variable("PlaySound digitvar", a.digitvar) : null) ?? required("PlaySound file", a.file);
    case "SimpleTransfer": {
      if (a.numbers === "") return "SimpleTransfer needs at least one number";
      if (/\s/.test(a.numbers)) {
        return `SimpleTransfer numbers ${JSON.stringify(a.numbers)} contain a space: the PBX takes them comma-separated with no spaces`;
      }
      const empty = a.numbers.split(",").findIndex((n) => n === "");
      if (empty >= 0) {
        return `SimpleTransfer number ${empty + 1} of ${JSON.stringify(a.numbers)} is empty: the numbers are separated by single commas`;
      }
      return seconds("SimpleTransfer timeout", a.timeout);
    }
  }
}

/** What the backend says is wrong with a list of actions as an answer, or `null`. */
function actionsProblem(actions: Action[]): string | null {
  if (actions.length > MAX_ACTIONS) return `the answer has ${actions.length} actions, but the PBX takes at most ${MAX_ACTIONS}`;
  for (const [i, a] of actions.entries()) {
    const problem = actionProblem(a);
    if (problem) return `action ${i + 1} (${element(a)}): ${problem}`;
  }
  return null;
}

/** What is wrong with a rule as written (the desk's `Rule::validate`), or `null`. */
function ruleProblem(rule: Rule): string | null {
  for (const condition of ["caller", "called"] as const) {
    const pattern = rule.when[condition];
    if (!pattern) continue;
    const text = patternText(pattern);
    if (text === "") return `the ${condition} number pattern is empty`;
    if (/\s/.test(text)) return `the ${condition} number pattern ${JSON.stringify(text)} contains a space, which no number does`;
  }
  const time = rule.when.time;
  if (time) {
    for (const t of [time.from, time.to]) {
      if (minutesOf(t) === null) return `${JSON.stringify(t)} is not a time of day: write it as HH:MM, from 00:00 to 23:59`;
    }
    if (minutesOf(time.from) === minutesOf(time.to)) {
      return `the time window starts and ends at ${time.from}: give two different times (22:00 to 06:00 crosses midnight)`;
    }
  }
  if (rule.when.spokeWithinDays === 0) return `"spoke with me within" needs at least 1 day`;
  // `{me}` is checked as a number would be: it is replaced before anything is sent.
  return actionsProblem(withMyNumber(rule.actions, "0") ?? rule.actions);
}

/** The desk's sentence for a rule's problem: `Rule 2 ("Night"): …`. */
function ruleError(position: number, rule: Rule, problem: string): IpcError {
  return refusal(`Rule ${position + 1} (${JSON.stringify(rule.name)}): ${problem}`);
}

/** The first problem of `rules`, named by the rule's number and name, as the desk refuses them. */
export function checkRules(rules: Rule[]): IpcError | null {
  for (const [i, rule] of rules.entries()) {
    const problem = ruleProblem(rule);
    if (problem) return ruleError(i, rule, problem);
  }
  return null;
}

/** `actions` with each `{me}` item of a transfer list replaced by `mine`; `null` when one is used and `mine` is unknown. */
function withMyNumber(actions: Action[], mine: string | null): Action[] | null {
  const usesMe = (a: Action) => a.action === "SimpleTransfer" && a.numbers.split(",").includes(MY_NUMBER);
  if (!actions.some(usesMe)) return actions;
  const number = mine?.trim();
  if (!number) return null;
  return actions.map((a) =>
    a.action === "SimpleTransfer" ? { ...a, numbers: a.numbers.split(",").map((n) => (n === MY_NUMBER ? number : n)).join(",") } : a,
  );
}

/** What a Call Interactive request tells the rules. */
interface RuleRequest {
  caller: string | null;
  /** `CalledDID`, `CalledNumber`, `CalledExtension`: a `called` pattern may match any. */
  called: Array<string | null>;
  /** Local time of day in minutes. */
  at: number;
}

/** The first enabled rule whose conditions all hold, with its position; `spokeWithin(number)` is ms since the last conversation. */
function firstMatch(rules: Rule[], request: RuleRequest, sinceSpoke: (number: string) => number | null): [number, Rule] | null {
  const holds = (rule: Rule) => {
    const { caller, called, time, spokeWithinDays } = rule.when;
    if (caller && !(request.caller !== null && patternMatches(caller, request.caller))) return false;
    if (called && !request.called.some((n) => n !== null && patternMatches(called, n))) return false;
    if (time) {
      const [from, to] = [minutesOf(time.from) ?? 0, minutesOf(time.to) ?? 0];
      const inside = from <= to ? from <= request.at && request.at < to : request.at >= from || request.at < to;
      if (!inside) return false;
    }
    if (spokeWithinDays != null) {
      const since = request.caller === null ? null : sinceSpoke(request.caller);
      if (since === null || since > spokeWithinDays * 86_400_000) return false;
    }
    return true;
  };
  const i = rules.findIndex((rule) => rule.enabled && holds(rule));
  const rule = rules[i];
  return rule ? [i, rule] : null;
}

/** The sentence when a matching rule transfers to `{me}` and the agent's number is unknown. */
const NO_NUMBER_FOR_ME = "it transfers to {me}, but your phone number is not known yet: sign in, or set the number for transfers";

function xmlEscape(text: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** One action as the backend writes it: attributes in the vendor's order, text on the element's line. */
function actionXml(a: Action): string {
  const tag = (name: string, attrs: Array<[string, string | null | undefined]>, text?: string) => {
    const written = attrs.filter((kv): kv is [string, string] => kv[1] != null).map(([k, v]) => ` ${k}="${xmlEscape(v)}"`);
    return text === undefined ? `<${name}${written.join("")}/>` : `<${name}${written.join("")}>${xmlEscape(text)}</${name}>`;
  };
  switch (a.action) {
    case "Hangup":
      return tag("Hangup", []);
    case "Pause":
      return tag("Pause", [["length", a.length]]);
    case "SetVar":
      return tag("SetVar", [["name", a.name]], a.value);
    case "Jump":
      return tag("Jump", [["context", a.context], ["option", a.option]]);
    case "SetCaller":
      return tag("SetCaller", [["name", a.name], ["number", a.number]]);
    case "PlaySound":
      return tag("PlaySound", [["where", a.where], ["digitvar", a.digitvar]], a.file);
    case "SimpleTransfer":
      return tag(
        "SimpleTransfer",
        [["final", a.final ? null : "no"], ["timeout", a.timeout], ["early_media", a.early_media ? "True" : null]],
        a.numbers,
      );
  }
}

/** The XML document the PBX gets for `actions` (already checked), exactly as the backend writes it. */
export function answerXml(actions: Action[]): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (actions.length === 0) return `${declaration}<Response/>\n`;
  return `${declaration}<Response>\n${actions.map((a) => `    ${actionXml(a)}\n`).join("")}</Response>\n`;
}

/** An action in a few words, as the desk describes it on the pop (`SimpleTransfer 4012`). */
function describeAction(a: Action): string {
  switch (a.action) {
    case "Hangup":
      return "Hangup";
    case "Pause":
      return `Pause ${a.length ?? "10"}s`;
    case "SetVar":
      return `SetVar ${a.name} = ${a.value}`;
    case "Jump":
      return `Jump to ${a.context}/${a.option}`;
    case "SetCaller":
      return `SetCaller ${a.name} ${a.number}`;
    case "PlaySound":
      return `PlaySound ${a.file}`;
    case "SimpleTransfer":
      return `SimpleTransfer ${a.numbers}`;
  }
}

/** `address:port` as the desk's `SocketAddr` parse takes it: IPv4 or `[IPv6]`, and a port. */
function isSocketAddress(text: string): boolean {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9A-Fa-f:.]+)\]):(\d{1,5})$/.exec(text);
  if (!m) return false;
  const ipv4Ok = m[1] === undefined || m[1].split(".").every((o) => Number(o) <= 255);
  return ipv4Ok && Number(m[3]) <= 65_535;
}

/** A new secret path token: 32 letters and digits, as the desk generates. */
function newToken(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 32 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
}

/** What the PBX tells about a caller, for {@link FakeBackend.popIvr}; what is left out is absent. */
export interface IvrCaller {
  /** The PBX's `CallID`; a fresh one when left out. */
  callId?: string;
  callerNumber: string | null;
  callerName?: string | null;
  called?: string | null;
  ivr?: string | null;
  /** When it arrived; now when left out. */
  atMs?: number;
  viaRelay?: boolean;
  /** What the app answered; when left out, what the saved rules give (none through the relay). */
  answer?: IvrAnswer | null;
}

/** The demo agent's phone line (what `{me}` stands for in the demo). */
const DEMO_LINE = "40038";

/** Local time of day, in minutes, at `ms`. */
function localMinutes(ms: number): number {
  const d = new Date(ms);
  return d.getHours() * 60 + d.getMinutes();
}

/** The demo agent the fake signs in, like the embedded demo of the real app. */
const DEMO_SESSION: Partial<SessionView> = {
  phase: "signedIn",
  agentId: 1001,
  agentState: "ready",
  health: "connected",
  demo: true,
  gateway: "demo.sidekick.local",
  busyReasons: [
    { code: 201, label: "Training" },
    { code: 202, label: "Coaching" },
  ],
};

export class FakeBackend implements Backend {
  /** What `snapshot()` returns; `emit` replaces it. */
  current: DeskSnapshot;
  /** What `settings()` returns. */
  currentSettings: SettingsView;
  /** Every method call, in order, with its arguments. */
  readonly calls: RecordedCall[] = [];

  readonly #failures = new Map<Method, IpcError>();
  readonly #listeners = new Set<(snapshot: DeskSnapshot) => void>();
  readonly #hotkeyListeners = new Set<(action: HotkeyAction) => void>();
  readonly #scripted: boolean;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  /** How long the "gateway" takes to confirm a state change; 0 confirms before the call resolves. */
  readonly #confirmMs: number;
  /**
   * How long a note on a live call takes to be confirmed (it is `sending` for the second half);
   * 0 confirms it before `attachNote` resolves.
   */
  readonly #deliverMs: number;
  /** Numbers the demo calls. */
  #seq = 0;
  /** The account whose password the "keychain" holds; the password itself is never kept. */
  #savedAccount: string | null;
  /** The notes of every call, by call id, in the order they were typed. */
  readonly #notes = new Map<string, NoteView[]>();
  /** Every call that reached the card (without its notes, which `#notes` holds). */
  readonly #history = new Map<string, Omit<HistoryCall, "notes" | "live">>();
  /** Why notes cannot be attached in this session (no call-data key), or `null`. */
  #unavailable: string | null;
  /** The id of the newest note: ids follow the order notes were typed in. */
  #lastNoteId = 0;
  /**
   * Makes every recording start fail as the platform would refuse it: ODFS with `10000002`,
   * the gateway with `AgentMediaEvent_Record_Fail`. May be changed at any time.
   */
  refuseRecording: boolean;
  /**
   * How long the "platform" takes to confirm a recording start or stop; 0 confirms before the
   * command resolves.
   */
  readonly #recordMs: number;
  /** How this session records (set up at sign-in, as on the desk), or `null`: it does not. */
  #recorder: { path: RecordingPath; unavailable: string | null } | null = null;
  /** The recording of the call on the card, as last published. */
  #recording: RecordingView | null = null;
  /** One recording request at a time, as on the desk. */
  #recordingBusy = false;
  /** The recording audit log, oldest first. */
  readonly #audit: AuditEntry[] = [];
  /** The caller the IVR announced last, until dismissed (kept across sign-out, as on the desk). */
  #ivr: IvrPop | null = null;
  /** The Call Interactive server's secret path token, made when it first starts. */
  #token: string | null = null;
  /** The phone number of this session, which `{me}` stands for unless a transfer number is set. */
  #sessionPhone: string | null = null;
  /** Numbers the pops' call ids. */
  #popSeq = 0;
  /** The relay connection, as the snapshots show it (kept across sign-out, as on the desk). */
  #relay: RelayConnection | null = null;
  /** The relay address the fake is "connected" to (with a saved key), or `null`. */
  #relayTarget: string | null = null;
  #relayTimer: ReturnType<typeof setTimeout> | undefined;
  /** How long "connecting" to the relay takes. */
  readonly #relayMs: number;
  /** The export jobs, in the order they were asked for (the snapshot shows the newest 50, newest first). */
  #jobs: ExportJobView[] = [];
  /** The id of the newest job. */
  #lastJobId = 0;
  /** The export audit log, oldest first. */
  readonly #exportAudit: ExportAuditEntry[] = [];
  /**
   * How long each step of an export job takes: CC-FS answering the query, its callback, the
   * download; 0 takes every step before the command resolves.
   */
  readonly #exportMs: number;
  /**
   * Makes CC-FS refuse every query with this sentence, so each job asked for (or retried) fails
   * with it; `null` lets them through. May be changed at any time.
   */
  refuseExports: string | null;
  /** The IVR platform for takeover: tests offer sessions and press digits through it. */
  readonly takeover: FakeTakeover;

  constructor(
    init: {
      snapshot?: DeskSnapshot;
      settings?: SettingsView;
      scripted?: boolean;
      confirmMs?: number;
      deliverMs?: number;
      recordMs?: number;
      refuseRecording?: boolean;
      relayMs?: number;
      exportMs?: number;
      refuseExports?: string | null;
      /** How long a play, recording or wait for digits runs in the fake IVR (0: at once). */
      ivrMs?: number;
    } = {},
  ) {
    // The demo's deployment records through ODFS (its own, with its own secret).
    // The demo also runs a Call Interactive server with the demo's rules, as the desk's does, and
    // its user is a supervisor with a CC-FS to export from.
    this.currentSettings =
      init.settings ??
      (init.scripted
        ? {
            ...DEFAULT_SETTINGS,
            recordingPath: "odfs",
            callInteractive: interactiveView({ enabled: true, rules: DEMO_RULES }, { status: { state: "listening", address: DEFAULT_LISTEN } }),
            role: "supervisor",
            export: DEMO_EXPORT,
            takeover: takeoverView({ allowed: true, demo: true }),
          }
        : DEFAULT_SETTINGS);
    this.#savedAccount = this.currentSettings.passwordSaved
      ? keychainAccount(this.currentSettings.gatewayUrl, this.currentSettings.agentId)
      : null;
    this.#scripted = init.scripted ?? false;
    this.#confirmMs = init.confirmMs ?? (this.#scripted ? 600 : 0);
    this.#deliverMs = init.deliverMs ?? (this.#scripted ? 1_500 : 0);
    this.#recordMs = init.recordMs ?? (this.#scripted ? 1_200 : 0);
    this.refuseRecording = init.refuseRecording ?? false;
    this.#relayMs = init.relayMs ?? (this.#scripted ? 800 : 0);
    this.#exportMs = init.exportMs ?? (this.#scripted ? 1_500 : 0);
    this.refuseExports = init.refuseExports ?? null;
    this.takeover = new FakeTakeover({
      view: this.currentSettings.takeover,
      changed: () => {
        this.currentSettings = { ...this.currentSettings, takeover: this.takeover.view };
        this.#publish({ ...this.current, revision: ++lastRevision, takeover: null });
      },
      at: (ms, step) => this.#at(ms, step),
      runMs: init.ivrMs ?? (init.scripted ? 1_500 : 0),
      presses: init.scripted ?? false,
    });
    // As on the desk: a demo session has the demo's key, any other the one in the keychain.
    const demo = this.#scripted || (init.snapshot?.session.demo ?? false);
    this.#unavailable = demo || this.currentSettings.callDataKeySaved ? null : NO_KEY;
    this.#setUpRecording(demo);
    if (this.#scripted) this.#sessionPhone = DEMO_LINE;
    this.#refreshMyNumber();
    this.current = this.#complete(init.snapshot ?? deskSnapshot());
    if (this.#scripted) {
      this.#seedHistory();
      this.#seedExports();
      this.current = { ...this.current, exports: this.#shownJobs() };
      this.#playDemo();
      this.#offerDemoCallers(3_000);
    }
  }

  /** The scripted demo's IVR offers a caller, and another once none has been live for 15 s. */
  #offerDemoCallers(afterMs: number): void {
    const params = ['{"menu":"billing","caller":"+74951234567","attempts":2}', '{"menu":"lost card","caller":"+442079460958","lang":"en"}'];
    let turn = 0;
    let idleMs = 0;
    const tick = () => {
      const live = (this.current.takeover?.sessions ?? []).some((x) => x.phase !== "stopped" && x.phase !== "released");
      idleMs = live ? 0 : idleMs + 1_000;
      if (!live && (turn === 0 || idleMs >= 15_000)) {
        this.takeover.offer({ params: params[turn++ % params.length] });
        idleMs = 0;
      }
      this.#at(1_000, tick);
    };
    this.#at(afterMs, tick);
  }

  /**
   * Publishes `snapshot` to every subscriber, as the desk does on each change. Its `notes` and
   * `recording`, when given, become the fake's for that call (notes also say whether notes are
   * available); a call without them gets the fake's own.
   */
  emit(snapshot: DeskSnapshot): void {
    this.current = this.#complete(snapshot);
    for (const cb of this.#listeners) cb(this.current);
  }

  /** Makes every later call of `method` reject with `error`; `null` makes it succeed again. */
  fail(method: Method, error: IpcError | null): void {
    if (error) this.#failures.set(method, error);
    else this.#failures.delete(method);
  }

  snapshot(): Promise<DeskSnapshot> {
    return this.#invoke("snapshot", [], () => this.current);
  }

  signIn(form: SignInForm): Promise<DeskSnapshot> {
    return this.#invoke("signIn", [form], () => {
      // Like the desk: an empty password means the one saved for this agent and gateway, if any.
      const account = keychainAccount(form.gatewayUrl, form.agentId);
      const usedSaved = form.password === "" && account !== null && account === this.#savedAccount;
      if (form.password === "" && !usedSaved) throw refusal("Enter your agent password");
      if (form.remember && !usedSaved && account !== null) this.#savedAccount = account;
      const agentId = Number.parseInt(form.agentId, 10);
      const remembered = Number.isNaN(agentId) ? null : agentId;
      this.#unavailable = this.currentSettings.callDataKeySaved ? null : NO_KEY;
      this.#setUpRecording(false);
      this.currentSettings = {
        ...this.currentSettings,
        gatewayUrl: form.gatewayUrl,
        agentId: remembered,
        phoneNumber: form.phoneNumber,
        passwordSaved: this.#savedAccount !== null && this.#savedAccount === keychainAccount(form.gatewayUrl, remembered),
      };
      this.#sessionPhone = form.phoneNumber.trim() || null;
      this.#refreshMyNumber();
      return this.#publish(
        deskSnapshot({
          phase: "signedIn",
          agentId: this.currentSettings.agentId,
          agentState: "ready",
          health: "connected",
          gateway: form.gatewayUrl,
        }),
      );
    });
  }

  signOut(): Promise<DeskSnapshot> {
    return this.#invoke("signOut", [], () => {
      this.#stopDemo();
      this.#sessionPhone = null;
      this.#refreshMyNumber();
      this.emit(deskSnapshot());
      return this.current;
    });
  }

  startDemo(): Promise<DeskSnapshot> {
    return this.#invoke("startDemo", [], () => {
      this.#unavailable = null;
      this.#setUpRecording(true);
      this.#sessionPhone = DEMO_LINE;
      this.#refreshMyNumber();
      if (this.#scripted) this.#playDemo();
      else this.#publish(deskSnapshot(DEMO_SESSION));
      return this.current;
    });
  }

  settings(): Promise<SettingsView> {
    return this.#invoke("settings", [], () => this.currentSettings);
  }

  setLanguage(language: Language): Promise<SettingsView> {
    return this.#invoke("setLanguage", [language], () => {
      this.currentSettings = { ...this.currentSettings, language };
      return this.currentSettings;
    });
  }

  /** Removes the saved password of the remembered agent and gateway, as the desk does. */
  forgetPassword(): Promise<SettingsView> {
    return this.#invoke("forgetPassword", [], () => {
      if (this.#savedAccount === keychainAccount(this.currentSettings.gatewayUrl, this.currentSettings.agentId)) {
        this.#savedAccount = null;
      }
      this.currentSettings = { ...this.currentSettings, passwordSaved: false };
      return this.currentSettings;
    });
  }

  /** Changes the agent state after `confirmMs`, as the gateway's event would; refused during a call. */
  setAgentState(choice: StateChoice): Promise<DeskSnapshot> {
    return this.#invoke("setAgentState", [choice], () => {
      if (!this.current.session.canChangeState) throw refusal("You can change your state once the call has ended");
      const confirm = () => this.#change({ agentState: CHOSEN_STATE[choice.kind] }, this.current.call);
      if (this.#confirmMs > 0) this.#at(this.#confirmMs, confirm);
      else confirm();
      return this.current;
    });
  }

  answerCall(): Promise<DeskSnapshot> {
    return this.#invoke("answerCall", [], () => {
      const call = this.#callAllowing("answer", "There is no ringing call to answer");
      this.#answered({ ...call, state: "talking", answeredAtMs: Date.now() });
      return this.current;
    });
  }

  holdCall(): Promise<DeskSnapshot> {
    return this.#invoke("holdCall", [], () => {
      const call = this.#callAllowing("hold", "There is no connected call to hold");
      return this.#change({}, { ...call, state: "held" });
    });
  }

  unholdCall(): Promise<DeskSnapshot> {
    return this.#invoke("unholdCall", [], () => {
      const call = this.#callAllowing("unhold", "There is no call on hold");
      return this.#change({}, { ...call, state: "talking" });
    });
  }

  hangUp(): Promise<DeskSnapshot> {
    return this.#invoke("hangUp", [], () => {
      const call = this.#callAllowing("hangUp", "There is no call to hang up");
      this.#ended(call, "agent");
      return this.current;
    });
  }

  /**
   * Adds a note to the call on the card, refusing what the desk refuses (empty, no call, notes
   * unavailable, too big for the call's data). On a live call it is delivered over `deliverMs`.
   */
  attachNote(callId: string, text: string): Promise<DeskSnapshot> {
    return this.#invoke("attachNote", [callId, text], () => {
      if (text.trim() === "") throw refusal("Type the note first");
      const { session } = this.current;
      const onCard = this.current.call?.callId === callId ? this.current.call : null;
      if (session.agentId === null || (!onCard && !this.#history.has(callId))) {
        throw refusal("Notes belong to a call, and that call is neither on the card nor in the history");
      }
      const notes = callNotes(callId, this.#notes.get(callId) ?? [], session.agentId, this.#unavailable);
      if (notes.unavailable !== null) throw refusal(notes.unavailable);
      const size = notes.baseBytes + jsonEscapedLen(text);
      if (size > notes.maxBytes) {
        throw refusal(
          `This note does not fit: the call's notes would take ${size} bytes, and call data holds at most ${notes.maxBytes}. ` +
            `Shorten it by ${size - notes.maxBytes} bytes (letters outside English take 2–4 bytes each).`,
        );
      }
      const ended = !onCard || onCard.state === "ended";
      const delivery: Delivery = ended ? "notAttached" : this.#deliverMs > 0 ? "pending" : "confirmed";
      const note: NoteView = {
        id: this.#nextNoteId(),
        author: session.agentId,
        atMs: Date.now(),
        text,
        delivery,
        reason: ended ? TYPED_AFTER_END : null,
      };
      this.#notes.set(callId, [...notes.notes, note]);
      if (delivery === "pending") this.#deliver(callId, note.id);
      return this.#change({}, this.current.call);
    });
  }

  /** The calls that reached the card, newest first (at most 200), with their notes. */
  callHistory(): Promise<HistoryCall[]> {
    return this.#invoke("callHistory", [], () => this.#historyWhere(() => true, HISTORY_CALLS));
  }

  /** The calls `keep` keeps, newest first, at most `limit`, with their notes. */
  #historyWhere(keep: (call: Omit<HistoryCall, "notes" | "live">) => boolean, limit: number): HistoryCall[] {
    return [...this.#history.values()]
      .filter(keep)
      .sort((a, b) => b.offeredAtMs - a.offeredAtMs)
      .slice(0, limit)
      .map((c) => ({
        ...c,
        live: c.endedAtMs === null && this.current.call?.callId === c.callId && this.current.call.endedAtMs === null,
        notes: [...(this.#notes.get(c.callId) ?? [])],
      }));
  }

  /**
   * Checks the key as the desk does and keeps only the fact that one is saved; a signed-in,
   * non-demo session can attach notes from then on.
   */
  setCallDataKey(key: string): Promise<SettingsView> {
    return this.#invoke("setCallDataKey", [key], () => {
      const problem = keyProblem(key);
      if (problem) throw refusal(problem);
      this.currentSettings = { ...this.currentSettings, callDataKeySaved: true };
      const { session, call } = this.current;
      if (session.phase === "signedIn" && !session.demo && this.#unavailable !== null) {
        this.#unavailable = null;
        this.#change({}, call);
      }
      return this.currentSettings;
    });
  }

  /** Removes the key from the "keychain"; like the desk, the session keeps using it until it ends. */
  forgetCallDataKey(): Promise<SettingsView> {
    return this.#invoke("forgetCallDataKey", [], () => {
      this.currentSettings = { ...this.currentSettings, callDataKeySaved: false };
      return this.currentSettings;
    });
  }

  /**
   * Starts recording the call on the card, refusing what the desk refuses. The snapshot says
   * `requesting` until the "platform" answers after `recordMs`.
   */
  startRecording(): Promise<DeskSnapshot> {
    return this.#invoke("startRecording", [], async () => {
      const recorder = this.#recorder;
      if (!recorder) throw refusal("Recording is not set up for this deployment");
      if (this.#recordingBusy) throw refusal("A recording request is already running");
      const { call } = this.current;
      if (!call || this.current.session.agentId === null) throw refusal("There is no call to record");
      if (call.state === "ended") throw refusal("The call has ended; there is nothing to record");
      if (call.state === "ringing") throw refusal("Answer the call first; a call can be recorded once it is connected");
      if (recorder.unavailable) throw refusal(recorder.unavailable);
      if (!this.#recordingOf(call)?.canStart) throw refusal("This call is already being recorded");

      const { callId } = call;
      this.#setRecording(callId, "requesting", null, null);
      if (recorder.path === "gateway") {
        // The gateway takes the request; its event confirms (or reports a failure) later.
        this.#writeAudit(callId, "start", "accepted", "0", null);
        this.#after(this.#recordMs, () => {
          if (this.#recording?.callId !== callId || this.#recording.state !== "requesting") return;
          if (this.refuseRecording) {
            this.#writeAudit(callId, "start", "failed", null, GATEWAY_RECORD_FAILED);
            this.#setRecording(callId, "failed", null, GATEWAY_RECORD_FAILED);
          } else {
            this.#writeAudit(callId, "start", "confirmed", "0", null);
            this.#setRecording(callId, "recording", Date.now(), null);
          }
        });
        return this.current;
      }
      // ODFS answers the request itself: the desk waits for it.
      this.#recordingBusy = true;
      try {
        if (this.#recordMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#recordMs));
        if (this.refuseRecording) {
          this.#writeAudit(callId, "start", "failed", "10000002", ODFS_REFUSED);
          this.#setRecording(callId, "failed", null, ODFS_REFUSED);
        } else {
          this.#writeAudit(callId, "start", "confirmed", "0", null);
          this.#setRecording(callId, "recording", Date.now(), null);
        }
      } finally {
        this.#recordingBusy = false;
      }
      return this.current;
    });
  }

  /** Stops the recording on the gateway path; the stop is confirmed after `recordMs`. */
  stopRecording(): Promise<DeskSnapshot> {
    return this.#invoke("stopRecording", [], () => {
      const recorder = this.#recorder;
      if (!recorder) throw refusal("Recording is not set up for this deployment");
      if (this.#recordingBusy) throw refusal("A recording request is already running");
      const view = this.#recordingOf(this.current.call);
      if (!view) throw refusal("There is no call on the card");
      if (recorder.path === "odfs") throw refusal("A packet-capture recording ends with the call; it cannot be stopped before");
      if (!view.canStop) throw refusal("This call is not being recorded");

      const { callId } = view;
      this.#setRecording(callId, "stopping", view.startedAtMs, null);
      this.#writeAudit(callId, "stop", "accepted", "0", null);
      this.#after(this.#recordMs, () => {
        if (this.#recording?.callId !== callId || this.#recording.state !== "stopping") return;
        this.#writeAudit(callId, "stop", "confirmed", "0", null);
        this.#setRecording(callId, "off", null, null);
      });
      return this.current;
    });
  }

  /** The audit log, newest first, as much as the desk shows. */
  recordingAudit(): Promise<AuditEntry[]> {
    return this.#invoke("recordingAudit", [], () => [...this.#audit].reverse().slice(0, AUDIT_SHOWN));
  }

  /** "Writes" the CSV and answers with the path the desk would have written it to. */
  exportRecordingAudit(): Promise<string> {
    return this.#invoke("exportRecordingAudit", [], () => {
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      return `/home/agent/Downloads/sidekick-recording-audit-${stamp}.csv`;
    });
  }

  /** Keeps only the fact that a secret is saved; like the desk, it is used from the next sign-in. */
  setOdfsSecret(secret: string): Promise<SettingsView> {
    return this.#invoke("setOdfsSecret", [secret], () => {
      if (secret.trim() === "") throw refusal("Enter the ODFS app secret");
      this.currentSettings = { ...this.currentSettings, odfsSecretSaved: true };
      return this.currentSettings;
    });
  }

  forgetOdfsSecret(): Promise<SettingsView> {
    return this.#invoke("forgetOdfsSecret", [], () => {
      this.currentSettings = { ...this.currentSettings, odfsSecretSaved: false, recordHotkey: null, recordHotkeyProblem: null };
      return this.currentSettings;
    });
  }

  /**
   * Checks the settings as the desk does (each rule, the listen address, the transfer number) and
   * saves them trimmed; the "server" then listens where they say (a port below 1024 fails, as an
   * unprivileged program's would), or is off.
   */
  saveCallInteractive(settings: InteractiveSettings): Promise<SettingsView> {
    return this.#invoke("saveCallInteractive", [settings], () => {
      const wrongRule = checkRules(settings.rules);
      if (wrongRule) throw wrongRule;
      const listen = settings.listen?.trim() || null;
      if (listen !== null && !isSocketAddress(listen)) {
        throw refusal(`"${listen}" is not an address to listen on; write it as 0.0.0.0:8095 (address:port)`);
      }
      const transferNumber = settings.transferNumber?.trim() || null;
      if (transferNumber !== null && ([...transferNumber].length > 32 || /[\s,]/.test(transferNumber))) {
        throw refusal(`"${transferNumber}" is not one number for transfers: no spaces or commas, at most 32 characters`);
      }
      const relayUrl = settings.relayUrl?.trim() || null;
      if (relayUrl !== null) {
        const wrongRelay = checkRelayUrl(relayUrl);
        if (wrongRelay) throw refusal(wrongRelay);
      }
      const saved: InteractiveSettings = { ...settings, listen, transferNumber, relayUrl };
      this.currentSettings = {
        ...this.currentSettings,
        callInteractive: { ...this.currentSettings.callInteractive, settings: saved, status: this.#start(saved) },
      };
      this.#refreshMyNumber();
      this.#applyRelay();
      return this.currentSettings;
    });
  }

  /**
   * Keeps only the fact that a relay key is saved (checked as the desk checks it, never repeated),
   * and "connects" to the saved relay with it.
   */
  setRelayKey(key: string): Promise<SettingsView> {
    return this.#invoke("setRelayKey", [key], () => {
      const trimmed = key.trim();
      if (/[^A-Za-z0-9_-]/.test(trimmed)) {
        throw refusal("Relay key: the access token may hold only Latin letters, digits, - and _");
      }
      if (trimmed.length < 16) {
        throw refusal(`Relay key: the access token has ${trimmed.length} characters; it needs at least 16 so that it cannot be guessed`);
      }
      this.#setRelayKeySaved(true);
      this.#applyRelay();
      return this.currentSettings;
    });
  }

  /** Forgets the relay key; the relay connection stops. */
  forgetRelayKey(): Promise<SettingsView> {
    return this.#invoke("forgetRelayKey", [], () => {
      this.#setRelayKeySaved(false);
      this.#applyRelay();
      return this.currentSettings;
    });
  }

  #setRelayKeySaved(saved: boolean): void {
    this.currentSettings = {
      ...this.currentSettings,
      callInteractive: { ...this.currentSettings.callInteractive, relayKeySaved: saved },
    };
  }

  /**
   * As the desk: with a relay address and a key, the connection opens (`connecting`, then
   * `connected` after `relayMs`); without either it is closed (`null`). The same address and key
   * keep the connection as it is.
   */
  #applyRelay(): void {
    const { settings, relayKeySaved } = this.currentSettings.callInteractive;
    const target = settings.relayUrl !== null && relayKeySaved ? settings.relayUrl : null;
    if (target === this.#relayTarget) return;
    this.#relayTarget = target;
    clearTimeout(this.#relayTimer);
    this.#setRelay(target === null ? null : { state: "connecting" });
    if (target !== null) this.#relayTimer = setTimeout(() => this.#setRelay({ state: "connected" }), this.#relayMs);
  }

  #setRelay(relay: RelayConnection | null): void {
    this.#relay = relay;
    this.#publish({ ...this.current, revision: ++lastRevision, relay });
  }

  /** The XML the first matching rule gives a sample call, checked and written as the desk does. */
  previewCallInteractive(rules: Rule[], sample: SampleCall): Promise<Preview> {
    return this.#invoke("previewCallInteractive", [rules, sample], () => {
      const wrongRule = checkRules(rules);
      if (wrongRule) throw wrongRule;
      const atText = sample.at.trim();
      const at = atText === "" ? localMinutes(Date.now()) : minutesOf(atText);
      if (at === null) throw refusal(`${JSON.stringify(atText)} is not a time of day: write it as HH:MM, from 00:00 to 23:59`);
      const called = sample.called.trim() || null;
      const match = firstMatch(rules, { caller: sample.caller.trim() || null, called: [called], at }, (n) => this.#sinceSpoke(n));
      if (!match) return { rule: null, xml: answerXml([]) };
      const [position, rule] = match;
      const actions = withMyNumber(rule.actions, this.currentSettings.callInteractive.myNumber);
      if (!actions) throw ruleError(position, rule, NO_NUMBER_FOR_ME);
      return { rule: position, xml: answerXml(actions) };
    });
  }

  /** `http://<LAN address or the bound one>:<port>/ci/<token>`, while the server listens. */
  callInteractiveAddress(): Promise<string> {
    return this.#invoke("callInteractiveAddress", [], () => {
      const { status } = this.currentSettings.callInteractive;
      if (status.state === "failed") throw refusal(`The server is not running: ${status.reason}`);
      if (status.state !== "listening") throw refusal("Turn Call Interactive on first");
      this.#token ??= newToken();
      const colon = status.address.lastIndexOf(":");
      const host = status.address.slice(0, colon);
      const reachable = host === "0.0.0.0" || host === "[::]" ? LAN_ADDRESS : host;
      return `http://${reachable}${status.address.slice(colon)}/ci/${this.#token}`;
    });
  }

  /** A new token: the server restarts with it, and the old address stops working. */
  renewCallInteractiveToken(): Promise<SettingsView> {
    return this.#invoke("renewCallInteractiveToken", [], () => {
      const { settings } = this.currentSettings.callInteractive;
      if (!settings.enabled) throw refusal("Turn Call Interactive on first");
      this.#token = newToken();
      this.currentSettings = {
        ...this.currentSettings,
        callInteractive: { ...this.currentSettings.callInteractive, status: this.#start(settings) },
      };
      return this.currentSettings;
    });
  }

  /** Takes the pop of `callId` off the screen; a newer pop (another call id) stays. */
  dismissIvrPop(callId: string): Promise<DeskSnapshot> {
    return this.#invoke("dismissIvrPop", [callId], () => {
      if (this.#ivr?.callId !== callId) return this.current;
      this.#ivr = null;
      return this.#change({}, this.current.call);
    });
  }

  /** Makes the user an agent or a supervisor; the callback receiver starts or stops to match. */
  setRole(role: Role): Promise<SettingsView> {
    return this.#invoke("setRole", [role], () => {
      this.currentSettings = { ...this.currentSettings, role };
      this.#setExport({});
      this.#takeoverAllowed();
      return this.currentSettings;
    });
  }

  /** Checks the settings as the desk does and saves them trimmed; the receiver then starts where they say. */
  saveExportSettings(settings: ExportSettings): Promise<SettingsView> {
    return this.#invoke("saveExportSettings", [settings], () => {
      const saved = checkedExportSettings(settings);
      this.#setExport({ settings: saved, zone: saved.tenantZone ?? computerZone() });
      return this.currentSettings;
    });
  }

  /** Keeps only the fact that an SK is saved (never the SK). */
  setCcfsSk(sk: string): Promise<SettingsView> {
    return this.#invoke("setCcfsSk", [sk], () => {
      if (sk.trim() === "") throw refusal("Enter the SK (the developer's secret key for CC-FS)");
      this.#setExport({ skSaved: true });
      return this.currentSettings;
    });
  }

  /** Forgets the SK; the receiver stops. */
  forgetCcfsSk(): Promise<SettingsView> {
    return this.#invoke("forgetCcfsSk", [], () => {
      this.#setExport({ skSaved: false });
      return this.currentSettings;
    });
  }

  /**
   * Checks the form as the desk does (who asks, the settings, the times, the filters), cuts the
   * period into windows of at most three days and makes a job of each; they move on over
   * `exportMs` a step. Resolves to the new jobs as they were made.
   */
  requestExport(form: ExportForm): Promise<ExportJobView[]> {
    return this.#invoke("requestExport", [form], () => {
      this.#exportsAllowed();
      const notADate = (text: string) => refusal(`"${text.trim()}" is not a date; write it as YYYY-MM-DD, optionally with HH:MM`);
      const begin = parseWallTime(form.begin);
      if (begin === null) throw notADate(form.begin);
      const end = parseWallTime(form.end, true);
      if (end === null) throw notADate(form.end);
      const filters = normalizedFilters(form.filters);
      if (end < begin) throw refusal(`The period ends (${formatWallTime(end)}) before it begins (${formatWallTime(begin)})`);
      const jobs = this.#addJobs(begin, end, filters, form.dataType, Date.now());
      this.#auditExport("request", jobs[0]?.id ?? null, describeRequest(form, filters, jobs.length), "ok");
      this.#publishJobs();
      for (const job of jobs) this.#query(job.id);
      return jobs;
    });
  }

  /** Asks again for a failed job (or downloads its file again, when CC-FS had named it). */
  retryExport(job: number): Promise<ExportJobView[]> {
    return this.#invoke("retryExport", [job], () => {
      this.#exportsAllowed();
      const failed = this.#jobs.find((j) => j.id === job);
      if (!failed) throw refusal(`There is no export job ${job}`);
      if (failed.state !== "failed") throw refusal("Only a failed job can be retried");
      this.#auditExport("retry", job, `${failed.begin} – ${failed.end}`, "ok");
      const download = failed.billFileName !== null;
      this.#updateJob(job, { state: download ? "downloading" : "requested", reason: null });
      const shown = this.#shownJobs();
      if (download) this.#download(job);
      else this.#query(job);
      return shown;
    });
  }

  /** A page of the ready jobs' rows, searched, sorted and paged as the desk's store does. */
  exportRows(query: RowQuery): Promise<RowPage> {
    return this.#invoke("exportRows", [query], () => this.#rows(query, PAGE_ROWS));
  }

  /** "Writes" every matching row and answers with the path the desk would have written to. */
  exportCsv(query: RowQuery): Promise<string> {
    return this.#invoke("exportCsv", [query], () => {
      const page = this.#rows({ ...query, offset: 0 }, null);
      const kind = query.kind === "calls" ? "cdr" : "recording-index";
      const d = new Date();
      const two = (n: number) => String(n).padStart(2, "0");
      const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
      const path = `/home/supervisor/Downloads/sidekick-${kind}-${stamp}.csv`;
      this.#auditExport("csv", query.job, `${kind}, search ${JSON.stringify(query.search)}`, `ok: ${page.rows.length} rows to ${path}`);
      return path;
    });
  }

  /** The export audit log, newest first (the latest 500). */
  exportAudit(): Promise<ExportAuditEntry[]> {
    return this.#invoke("exportAudit", [], () => [...this.#exportAudit].reverse().slice(0, AUDIT_SHOWN));
  }

  /**
   * A caller reaches the IVR (for tests and the scripted demo), as the desk pops one: with the
   * agent's latest calls with that number and, unless `caller.answer` says otherwise, what the
   * saved rules answer. It replaces any earlier pop, and is published at once.
   */
  popIvr(caller: IvrCaller): DeskSnapshot {
    const number = caller.callerNumber;
    const viaRelay = caller.viaRelay ?? false;
    const atMs = caller.atMs ?? Date.now();
    const pastCalls =
      number === null ? [] : this.#historyWhere((c) => sameNumber(c.caller, number) || sameNumber(c.callee, number), POP_HISTORY);
    const called = caller.called ?? null;
    const ivr = caller.ivr ?? null;
    const answer =
      caller.answer !== undefined
        ? caller.answer
        : viaRelay
          ? null
          : this.#answer({ caller: number, called: [called, ivr], at: localMinutes(atMs) });
    this.#ivr = {
      callId: caller.callId ?? `${Math.floor(atMs / 1000)}.${++this.#popSeq}`,
      callerNumber: number,
      callerName: caller.callerName ?? null,
      called,
      ivr,
      atMs,
      viaRelay,
      answer,
      pastCalls,
    };
    return this.#change({}, this.current.call);
  }

  /** Saves the hotkeys; two actions on one combination are reported on both, as the app does. */
  saveHotkeys(hotkeys: Partial<Record<HotkeyAction, string>>): Promise<SettingsView> {
    return this.#invoke("saveHotkeys", [hotkeys], () => {
      const canonical = (a: string) => a.toLowerCase().split("+").map((p) => p.trim()).sort().join("+");
      const bound = this.currentSettings.hotkeys.map((h) => {
        const given = hotkeys[h.action];
        const accelerator = given === undefined ? h.accelerator : given.trim() || null;
        return { action: h.action, accelerator, problem: null as string | null };
      });
      for (const h of bound) {
        const clash = bound.find((o) => o !== h && h.accelerator && o.accelerator && canonical(o.accelerator) === canonical(h.accelerator));
        if (clash) h.problem = `${h.accelerator} is also the hotkey for another action: give one of them another combination`;
      }
      this.currentSettings = { ...this.currentSettings, hotkeys: bound };
      return this.currentSettings;
    });
  }

  /** Presses a hotkey meant for the window (for tests). */
  pressHotkey(action: HotkeyAction): void {
    for (const cb of this.#hotkeyListeners) cb(action);
  }

  onHotkey(cb: (action: HotkeyAction) => void): Promise<() => void> {
    this.#hotkeyListeners.add(cb);
    return Promise.resolve(() => this.#hotkeyListeners.delete(cb));
  }

  /** "Finds" nothing newer: the fake has no update address. */
  lookForUpdate(): Promise<SettingsView> {
    return this.#invoke("lookForUpdate", [], () => this.currentSettings);
  }

  /** Refused as the desk refuses it: during a call, or with no update found. */
  installUpdate(): Promise<null> {
    return this.#invoke("installUpdate", [], () => {
      const call = this.current.call;
      if (call && call.state !== "ended") throw refusal("Updates are installed between calls: end the call first");
      if (this.currentSettings.update.state !== "available") throw refusal("There is no update to install");
      return null;
    });
  }

  windowShown(): Promise<void> {
    return this.#invoke("windowShown", [], () => undefined);
  }

  diagnostics(): Promise<string> {
    return this.#invoke("diagnostics", [], () => {
      const { session } = this.current;
      return `Sidekick diagnostics\nversion: fake\nsession: ${session.phase}, agent state ${session.agentState}, link ${session.health}\n`;
    });
  }

  saveDesktopSettings(desktop: DesktopSettings): Promise<SettingsView> {
    return this.#invoke("saveDesktopSettings", [desktop], () => {
      this.currentSettings = { ...this.currentSettings, desktop };
      return this.currentSettings;
    });
  }

  saveTakeoverSettings(settings: TakeoverSettings): Promise<SettingsView> {
    return this.#invoke("saveTakeoverSettings", [settings], () => {
      this.takeover.saveSettings(settings);
      this.#takeoverAllowed();
      return this.currentSettings;
    });
  }

  setEraToken(token: string): Promise<SettingsView> {
    return this.#invoke("setEraToken", [token], () => {
      this.takeover.setToken(token);
      return this.currentSettings;
    });
  }

  forgetEraToken(): Promise<SettingsView> {
    return this.#invoke("forgetEraToken", [], () => {
      this.takeover.forgetToken();
      return this.currentSettings;
    });
  }

  takeControl(ivrid: string): Promise<DeskSnapshot> {
    return this.#invoke("takeControl", [ivrid], () => {
      this.takeover.takeControl(ivrid);
      return this.current;
    });
  }

  handBack(ivrid: string): Promise<DeskSnapshot> {
    return this.#invoke("handBack", [ivrid], () => {
      this.takeover.handBack(ivrid);
      return this.current;
    });
  }

  runComponent(ivrid: string, component: ComponentForm): Promise<DeskSnapshot> {
    return this.#invoke("runComponent", [ivrid, component], () => {
      this.takeover.run(ivrid, component);
      return this.current;
    });
  }

  stopComponent(ivrid: string): Promise<DeskSnapshot> {
    return this.#invoke("stopComponent", [ivrid], () => {
      this.takeover.stop(ivrid);
      return this.current;
    });
  }

  ivrFileLink(ivrid: string, path: string): Promise<FileLinkView> {
    return this.#invoke("ivrFileLink", [ivrid, path], () => this.takeover.fileLink(ivrid, path));
  }

  ivrUpload(form: UploadForm): Promise<string> {
    return this.#invoke("ivrUpload", [form], () => this.takeover.upload(form));
  }

  /** Whether this user may take over follows the role and the administrator's setting, as on the desk. */
  #takeoverAllowed(): void {
    const view = this.takeover.view;
    const allowed = this.currentSettings.role === "supervisor" || view.settings.agentsAllowed;
    if (allowed !== view.allowed) {
      this.takeover.view = { ...view, allowed };
      this.currentSettings = { ...this.currentSettings, takeover: this.takeover.view };
      this.#publish({ ...this.current, revision: ++lastRevision, takeover: null });
    }
  }

  onSnapshot(cb: (snapshot: DeskSnapshot) => void): Promise<() => void> {
    this.#listeners.add(cb);
    return Promise.resolve(() => this.#listeners.delete(cb));
  }

  /** The export view changed by `over`, with the callback receiver started or stopped to match. */
  #setExport(over: Partial<ExportView>): void {
    const view = { ...this.currentSettings.export, ...over };
    this.currentSettings = { ...this.currentSettings, export: { ...view, receiver: receiverFor(this.currentSettings.role, view) } };
  }

  /** Throws the desk's refusal when exports cannot run: not a supervisor, CC-FS not configured, no receiver. */
  #exportsAllowed(): void {
    const { role, export: view } = this.currentSettings;
    if (role !== "supervisor") throw refusal("Exports are for supervisors: turn on the supervisor role in Settings");
    if (view.settings.ccfsUrl === null) throw refusal("Set the CC-FS address in Settings first");
    if (view.settings.ak === null || !view.skSaved) throw refusal("Set the CC-FS AK and SK in Settings first");
    const receiver = view.receiver;
    if (receiver.state === "failed") throw refusal(`The callback receiver is not running: ${receiver.reason}`);
    if (receiver.state === "off") throw refusal("The callback receiver is not running");
  }

  /** One new request: a job for each window of `[begin, end]`, requested. */
  #addJobs(begin: number, end: number, filters: BillFilters, dataType: DataType, createdMs: number): ExportJobView[] {
    const windows = splitPeriod(begin, end);
    const request = Math.max(0, ...this.#jobs.map((j) => j.request)) + 1;
    const jobs = windows.map(
      ([from, to], i): ExportJobView => ({
        id: ++this.#lastJobId,
        request,
        part: i + 1,
        parts: windows.length,
        createdMs,
        begin: formatWallTime(from),
        end: formatWallTime(to),
        filters,
        dataType,
        state: "requested",
        responseId: null,
        billFileName: null,
        reason: null,
        calls: 0,
        records: 0,
      }),
    );
    this.#jobs.push(...jobs);
    return jobs;
  }

  /** Adds a job, or replaces the one with its id. */
  #putJob(job: ExportJobView): void {
    const i = this.#jobs.findIndex((j) => j.id === job.id);
    if (i >= 0) this.#jobs[i] = job;
    else this.#jobs.push(job);
    this.#lastJobId = Math.max(this.#lastJobId, job.id);
  }

  /** The jobs the snapshot shows: the newest 50, newest first. */
  #shownJobs(): ExportJobView[] {
    return [...this.#jobs].sort((a, b) => b.id - a.id).slice(0, JOBS_SHOWN);
  }

  /** Changes one job and publishes. */
  #updateJob(id: number, change: Partial<ExportJobView>): void {
    const job = this.#jobs.find((j) => j.id === id);
    if (!job) return;
    this.#putJob({ ...job, ...change });
    this.#publishJobs();
  }

  #publishJobs(): void {
    this.#publish({ ...this.current, revision: ++lastRevision, exports: this.#shownJobs() });
  }

  /**
   * Sends a job's query: after `exportMs` CC-FS answers (or refuses, with `refuseExports`), after
   * as long again it calls back naming the file, which is then downloaded.
   */
  #query(id: number): void {
    this.#after(this.#exportMs, () => {
      const job = this.#jobs.find((j) => j.id === id);
      if (job?.state !== "requested") return;
      if (this.refuseExports !== null) {
        this.#auditExport("query", id, `${job.begin} – ${job.end}`, this.refuseExports);
        this.#updateJob(id, { state: "failed", reason: this.refuseExports });
        return;
      }
      this.#updateJob(id, { state: "waiting", responseId: `${Date.now().toString(36)}${String(id).padStart(6, "0")}` });
      this.#after(this.#exportMs, () => {
        if (this.#jobs.find((j) => j.id === id)?.state !== "waiting") return;
        const file = `bill_${job.begin.slice(0, 10).replace(/-/g, "")}_${id}.zip`;
        this.#auditExport("callback", id, file, "ok");
        this.#updateJob(id, { state: "downloading", billFileName: file });
        this.#download(id);
      });
    });
  }

  /** Downloads a job's file after `exportMs`: its rows are stored and it is ready. */
  #download(id: number): void {
    this.#after(this.#exportMs, () => {
      const job = this.#jobs.find((j) => j.id === id);
      if (job?.state !== "downloading") return;
      const counts = exportCounts(job);
      this.#auditExport("download", id, job.billFileName ?? "", `ok: ${counts.calls} CDRs, ${counts.records} recording indexes`);
      this.#updateJob(id, { state: "ready", reason: null, ...counts });
    });
  }

  /**
   * The rows that match `query`, as the desk's store selects them: one job's, or every ready
   * job's; searched in agent, call id and both numbers; sorted by a column (call start when it
   * names none), ties in the order stored; `limit` rows from `offset` (all with `null`).
   */
  #rows(query: RowQuery, limit: number | null): RowPage {
    const columns = query.kind === "calls" ? CDR_COLUMNS : RECORD_COLUMNS;
    const jobs = [...this.#jobs]
      .filter((j) => j.state === "ready" && (query.job === null || j.id === query.job))
      .sort((a, b) => a.id - b.id);
    const developer = this.currentSettings.export.settings.ak ?? "demo-ak-7f3a";
    const needle = query.search.trim().toLowerCase();
    const searched = ["agent_id", "call_id", "caller_no", "callee_no"].map((c) => columns.indexOf(c));
    const matching = jobs
      .flatMap((j) => jobRows(j, query.kind, developer))
      .filter((row) => needle === "" || searched.some((i) => (row[i] ?? "").toLowerCase().includes(needle)));
    const sortBy = columns.indexOf(query.sort !== null && columns.includes(query.sort) ? query.sort : "call_begin");
    const order = query.descending ? -1 : 1;
    // Array.prototype.sort is stable: equal values keep the order stored, as the desk's `rowid` does.
    matching.sort((a, b) => {
      const [x, y] = [a[sortBy] ?? "", b[sortBy] ?? ""];
      return x < y ? -order : x > y ? order : 0;
    });
    const offset = limit === null ? 0 : query.offset;
    return {
      columns: [...columns],
      rows: limit === null ? matching : matching.slice(offset, offset + limit),
      total: matching.length,
      offset,
    };
  }

  /** Appends to the export audit log, as the desk does for each step. */
  #auditExport(action: string, job: number | null, detail: string, result: string, atMs = Date.now()): void {
    const agentId = this.current.session.agentId;
    const who = `supervisor${agentId ? ` (agent ${agentId})` : ""}`;
    this.#exportAudit.push({ atMs, who, action, job, detail, result });
  }

  /**
   * The demo's earlier exports: a five-day request whose two jobs are ready, and one job CC-FS
   * refused (Retry works, as CC-FS lets it through now).
   */
  #seedExports(): void {
    const now = Date.now();
    const day = (ago: number) => {
      const d = new Date(now - ago * 86_400_000);
      return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
    };
    const none: BillFilters = { accountId: null, agentId: null, callId: null, callerNo: null, calleeNo: null, calleeNo2: null };
    const asked = now - 3 * 3_600_000;
    const week = this.#addJobs(day(8), day(4) + 86_399_000, none, "callRecord", asked);
    const period = `${formatWallTime(day(8)).slice(0, 10)} – ${formatWallTime(day(4)).slice(0, 10)}`;
    this.#auditExport("request", week[0]?.id ?? null, `${period}, call_record, 2 jobs`, "ok", asked);
    for (const [i, job] of week.entries()) {
      const billFileName = `bill_${job.begin.slice(0, 10).replace(/-/g, "")}_${job.id}.zip`;
      const counts = exportCounts(job);
      const at = asked + (i + 1) * 4 * 60_000;
      this.#putJob({ ...job, state: "ready", responseId: `seed${job.id}`, billFileName, ...counts });
      this.#auditExport("callback", job.id, billFileName, "ok", at);
      this.#auditExport("download", job.id, billFileName, `ok: ${counts.calls} CDRs, ${counts.records} recording indexes`, at + 3_000);
    }
    const agent = { ...none, agentId: "1001" };
    const refusedAt = now - 20 * 60_000;
    const [refused] = this.#addJobs(day(1), day(1) + 86_399_000, agent, "call", refusedAt);
    if (refused) {
      const detail = `${refused.begin.slice(0, 10)} – ${refused.end.slice(0, 10)}, call, agent 1001, 1 job`;
      this.#auditExport("request", refused.id, detail, "ok", refusedAt);
      this.#auditExport("query", refused.id, `${refused.begin} – ${refused.end}`, EXPORT_REFUSED, refusedAt + 1_000);
      this.#putJob({ ...refused, state: "failed", reason: EXPORT_REFUSED });
    }
  }

  /** What the saved rules answer `request`, as the desk shows it on the pop. */
  #answer(request: RuleRequest): IvrAnswer {
    const { settings, myNumber } = this.currentSettings.callInteractive;
    const match = firstMatch(settings.rules, request, (n) => this.#sinceSpoke(n));
    if (!match) return { rule: null, actions: [], problem: null };
    const [position, rule] = match;
    const label = `${position + 1}. ${rule.name}`;
    const actions = withMyNumber(rule.actions, myNumber);
    const problem = actions ? actionsProblem(actions) : NO_NUMBER_FOR_ME;
    if (problem !== null) return { rule: label, actions: [], problem: ruleError(position, rule, problem).message };
    return { rule: label, actions: (actions ?? []).map(describeAction), problem: null };
  }

  /** How long ago (ms) the agent last spoke with `number`, from the history; `null`: never. */
  #sinceSpoke(number: string): number | null {
    const ends = [...this.#history.values()]
      .filter((c) => c.answeredAtMs !== null && (sameNumber(c.caller, number) || sameNumber(c.callee, number)))
      .map((c) => c.endedAtMs ?? c.answeredAtMs ?? 0);
    return ends.length ? Math.max(0, Date.now() - Math.max(...ends)) : null;
  }

  /** Starts (or stops) the "server" for `settings`, and says how that went. */
  #start(settings: InteractiveSettings): InteractiveView["status"] {
    if (!settings.enabled) return { state: "off" };
    this.#token ??= newToken();
    const address = settings.listen ?? DEFAULT_LISTEN;
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    if (port < 1024) {
      return { state: "failed", reason: `This computer does not allow listening on port ${port}; choose a port above 1023` };
    }
    return { state: "listening", address };
  }

  /** The number `{me}` stands for, as the desk works it out: the transfer number, else the session's, else the last used. */
  #refreshMyNumber(): void {
    const ci = this.currentSettings.callInteractive;
    const myNumber = ci.settings.transferNumber?.trim() || this.#sessionPhone || this.currentSettings.phoneNumber?.trim() || null;
    if (myNumber !== ci.myNumber) this.currentSettings = { ...this.currentSettings, callInteractive: { ...ci, myNumber } };
  }

  #invoke<T>(method: Method, args: unknown[], effect: () => T | Promise<T>): Promise<T> {
    this.calls.push({ method, args });
    const failure = this.#failures.get(method);
    if (failure) return Promise.reject(failure);
    try {
      return Promise.resolve(effect());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * `snapshot` with the fake's notes and recording of its call, its pop, and its export jobs, where
   * it carries none. Jobs it does carry become the fake's (replacing those of the same id).
   */
  #complete(snapshot: DeskSnapshot): DeskSnapshot {
    if (snapshot.ivr) this.#ivr = snapshot.ivr;
    if (snapshot.relay) this.#relay = snapshot.relay;
    for (const job of snapshot.exports) this.#putJob(job);
    const exports = this.#shownJobs();
    const takeover = snapshot.takeover ?? this.takeover?.panel() ?? null;
    const withNotes = this.#withNotes({ ...snapshot, ivr: snapshot.ivr ?? this.#ivr, relay: this.#relay, exports, takeover });
    if (withNotes.recording) {
      this.#recording = withNotes.recording;
      return withNotes;
    }
    this.#recording = this.#recordingOf(withNotes.call);
    return { ...withNotes, recording: this.#recording };
  }

  /** Sets up recording for a session, as the desk does at sign-in (the demo has its own ODFS). */
  #setUpRecording(demo: boolean): void {
    const path = demo ? "odfs" : this.currentSettings.recordingPath;
    const unavailable = !demo && path === "odfs" && !this.currentSettings.odfsSecretSaved ? NO_ODFS_SECRET : null;
    this.#recorder = path === null ? null : { path, unavailable };
  }

  /**
   * The recording view for `call` as the desk derives it: what is known of this call, with
   * what the agent may do now. A recording ends with its call (a failure keeps its reason).
   */
  #recordingOf(call: CallView | null): RecordingView | null {
    const recorder = this.#recorder;
    if (!call || !recorder) return null;
    const known = this.#recording?.callId === call.callId ? this.#recording : null;
    const view: RecordingView = known
      ? { ...known }
      : { callId: call.callId, path: recorder.path, state: "off", startedAtMs: null, reason: null, canStart: false, canStop: false };
    const live = call.state === "talking" || call.state === "held";
    if (call.state === "ended" && view.state !== "failed") {
      view.state = "off";
      view.startedAtMs = null;
    }
    if (recorder.unavailable) view.reason = recorder.unavailable;
    view.canStart = live && !recorder.unavailable && (view.state === "off" || view.state === "failed");
    view.canStop = live && recorder.path === "gateway" && view.state === "recording";
    return view;
  }

  /** Moves the recording of `callId` on, if that call is still on the card, and publishes. */
  #setRecording(callId: string, state: RecordingState, startedAtMs: number | null, reason: string | null): void {
    const call = this.current.call;
    const view = this.#recordingOf(call);
    if (!call || view?.callId !== callId) return;
    this.#recording = { ...view, state, startedAtMs, reason };
    this.#change({}, call);
  }

  /** Appends to the audit log, as the desk does for every request and outcome. */
  #writeAudit(callId: string, action: AuditAction, outcome: AuditOutcome, code: string | null, message: string | null): void {
    const path = this.#recorder?.path ?? "odfs";
    const agentId = this.current.session.agentId ?? 0;
    this.#audit.push({ id: this.#audit.length + 1, atMs: Date.now(), agentId, callId, path, action, outcome, code, message });
  }

  /** Runs `step` after `ms`, or at once when `ms` is 0 (then before the command resolves). */
  #after(ms: number, step: () => void): void {
    if (ms > 0) setTimeout(step, ms);
    else step();
  }

  /**
   * `snapshot` with the fake's notes of its call (when it has none), and its call in the history.
   * Notes it does carry become the fake's, so a test can start from any notes it likes.
   */
  #withNotes(snapshot: DeskSnapshot): DeskSnapshot {
    const { call, session } = snapshot;
    if (call) {
      const { callId, caller, callee, direction, offeredAtMs, answeredAtMs, endedAtMs } = call;
      this.#history.set(callId, { callId, caller, callee, direction, offeredAtMs, answeredAtMs, endedAtMs });
    }
    if (snapshot.notes) {
      this.#notes.set(snapshot.notes.callId, snapshot.notes.notes);
      for (const n of snapshot.notes.notes) this.#lastNoteId = Math.max(this.#lastNoteId, n.id);
      this.#unavailable = snapshot.notes.unavailable;
      return snapshot;
    }
    if (!call || session.agentId === null) return snapshot;
    return { ...snapshot, notes: callNotes(call.callId, this.#notes.get(call.callId) ?? [], session.agentId, this.#unavailable) };
  }

  #nextNoteId(): number {
    return ++this.#lastNoteId;
  }

  /** Moves a note on: `sending` halfway through `deliverMs`, then confirmed if its call is still live. */
  #deliver(callId: string, id: number): void {
    this.#at(this.#deliverMs / 2, () => this.#setDelivery(callId, id, "sending", null));
    this.#at(this.#deliverMs, () => {
      const call = this.current.call;
      const live = call?.callId === callId && call.state !== "ended";
      this.#setDelivery(callId, id, live ? "confirmed" : "notAttached", live ? null : CALL_GONE);
    });
  }

  /** Changes one note's delivery, and republishes if its call is on the card. */
  #setDelivery(callId: string, id: number, delivery: Delivery, reason: string | null): void {
    const notes = this.#notes.get(callId);
    if (!notes?.some((n) => n.id === id && (n.delivery === "pending" || n.delivery === "sending"))) return;
    this.#notes.set(
      callId,
      notes.map((n) => (n.id === id ? { ...n, delivery, reason } : n)),
    );
    if (this.current.call?.callId === callId) this.#change({}, this.current.call);
  }

  /**
   * A few earlier calls for the demo's history: one with attached notes, one unanswered, and one
   * whose notes show the other outcomes (refused by the gateway; typed after the call ended).
   */
  #seedHistory(): void {
    const now = Date.now();
    const min = 60_000;
    const past = (
      callId: string,
      caller: string,
      agoMin: number,
      talkMin: number | null,
      notes: Array<Pick<NoteView, "text" | "delivery" | "reason"> & { atMin: number }>,
    ) => {
      const offeredAtMs = now - agoMin * min;
      const answeredAtMs = talkMin === null ? null : offeredAtMs + 9_000;
      const endedAtMs = (answeredAtMs ?? offeredAtMs + 20_000) + (talkMin ?? 0) * min;
      this.#history.set(callId, { callId, caller, callee: "40038", direction: "inbound", offeredAtMs, answeredAtMs, endedAtMs });
      this.#notes.set(
        callId,
        notes.map(({ atMin, ...n }) => ({ ...n, id: this.#nextNoteId(), author: 1001, atMs: offeredAtMs + atMin * min })),
      );
    };
    past("1732200000-0001", "+74959876543", 190, 4.2, [
      { atMin: 1, text: "Wants the delivery moved to Friday, 10:00–12:00.", delivery: "confirmed", reason: null },
      { atMin: 4, text: "Confirmed the new slot; SMS with the tracking link sent.", delivery: "confirmed", reason: null },
    ]);
    past("1732200000-0002", "+78125550101", 75, null, []);
    past("1732200000-0003", "+79031234455", 40, 2.5, [
      { atMin: 1, text: "Disputes the March invoice: charged twice for roaming.", delivery: "failed", reason: "The gateway refused the call data (000-002)" },
      { atMin: 5, text: "Call back tomorrow morning with the refund number.", delivery: "notAttached", reason: TYPED_AFTER_END },
    ]);
    // Their recordings: one confirmed; one refused by ODFS, then retried and confirmed.
    const audit = (callId: string, agoMin: number, outcome: AuditOutcome, code: string | null, message: string | null) =>
      this.#audit.push({ id: this.#audit.length + 1, atMs: now - agoMin * min, agentId: 1001, callId, path: "odfs", action: "start", outcome, code, message });
    audit("1732200000-0001", 189.5, "confirmed", "0", null);
    audit("1732200000-0003", 39.5, "failed", "10000002", ODFS_REFUSED);
    audit("1732200000-0003", 39, "confirmed", "0", null);
  }

  /** Publishes `snapshot` with the derived fields the desk would set. */
  #publish(snapshot: DeskSnapshot): DeskSnapshot {
    this.emit(withDerived(snapshot));
    return this.current;
  }

  /** Publishes the current session changed by `session`, with `call` on the card. */
  #change(session: Partial<SessionView>, call: CallView | null): DeskSnapshot {
    return this.#publish(deskSnapshot({ ...this.current.session, ...session }, call));
  }

  /** The call on the card, if the desk allows `action` on it now; otherwise throws the desk's refusal. */
  #callAllowing(action: keyof CallActions, message: string): CallView {
    const call = this.current.call;
    if (!call?.actions[action]) throw refusal(message);
    return call;
  }

  /** The call connected; in the demo, the customer hangs up 40 s later unless the agent did first. */
  #answered(talking: CallView): void {
    this.#change({ agentState: "busy" }, talking);
    if (!this.#scripted) return;
    this.#at(40_000, () => {
      const call = this.current.call;
      if (call?.callId === talking.callId && (call.state === "talking" || call.state === "held")) this.#ended(call, "customer");
    });
  }

  /** The call ended; in the demo, the next one rings after 8 s of wrap-up. */
  #ended(call: CallView, by: "agent" | "customer"): void {
    this.#change({ agentState: "wrapUp" }, { ...call, state: "ended", endedAtMs: Date.now(), endedBy: by });
    if (this.#scripted) this.#nextCall(8_000);
  }

  /** Runs `step` after `ms`, unless the demo is stopped first. */
  #at(ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      step();
    }, ms);
    this.#timers.add(timer);
  }

  /**
   * Rings the next demo call after `ms`, once the agent takes calls: wrap-up ends by itself, while
   * an agent who chose Not ready or a break is left alone until they are Ready again.
   */
  #nextCall(ms: number): void {
    this.#at(ms, () => {
      const state = this.current.session.agentState;
      if (state === "ready" || state === "wrapUp") this.#ring();
      else this.#nextCall(2_000);
    });
  }

  /** A demo call rings; unless the agent answers first, it is answered for them after 6 s. */
  #ring(): void {
    // The second caller is one from the seeded history: the pop shows their earlier call.
    const callers = [
      ["+74951234567", "Иван Петров"],
      ["+74959876543", "Мария Иванова"],
      ["+79161112233", "Алексей Кузнецов"],
    ] as const;
    const now = Date.now();
    const seq = ++this.#seq;
    const [caller, name] = callers[seq % callers.length] ?? callers[0];
    const call: CallView = {
      callId: `${Math.floor(now / 1000)}-${String(seq).padStart(4, "0")}`,
      caller,
      callee: DEMO_LINE,
      direction: "inbound",
      state: "ringing",
      offeredAtMs: now,
      answeredAtMs: null,
      endedAtMs: null,
      endedBy: null,
      actions: NO_ACTIONS,
    };
    // As in the desk's demo, the caller passes the PBX's IVR first (when the server runs).
    if (this.currentSettings.callInteractive.status.state === "listening") {
      this.popIvr({ callId: `ivr-${call.callId}`, callerNumber: caller, callerName: name, called: "74950001122", ivr: "0003*001" });
    }
    this.#publish(deskSnapshot({ ...DEMO_SESSION, agentState: "ready" }, call));
    this.#at(6_000, () => {
      const current = this.current.call;
      if (current?.callId === call.callId && current.state === "ringing") {
        this.#answered({ ...current, state: "talking", answeredAtMs: Date.now() });
      }
    });
  }

  /**
   * Signs the demo agent in and plays one call after another: each rings for 6 s (or until the
   * agent answers), talks for 40 s (or until the agent hangs up), then 8 s of wrap-up before the
   * next caller. Hold, state changes and hang-up work as they do against the desk.
   */
  #playDemo(): void {
    this.#stopDemo();
    this.#ring();
  }

  #stopDemo(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

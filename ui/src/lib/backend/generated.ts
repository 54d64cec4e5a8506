// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:
// run `UPDATE_BINDINGS=1 cargo test -p sidekick bindings_are_current` to regenerate.

export type DeskSnapshot = { 
/**
 * Grows by one with every change. Command answers and events may reach the UI in either
 * order; the UI keeps whichever snapshot has the higher revision.
 */
revision: number, 
/**
 * The agent's session with the gateway.
 */
session: SessionView, 
/**
 * The call on the card: the live one, or the last one once it ended; `None` before the first.
 */
call: CallView | null, 
/**
 * The notes of the call on the card.
 */
notes: CallNotes | null, 
/**
 * The recording of the call on the card; `None` when the deployment records no calls or
 * no call is on the card.
 */
recording: RecordingView | null, 
/**
 * The caller the PBX's IVR announced last (Call Interactive), until dismissed.
 */
ivr: IvrPop | null, 
/**
 * The connection to the Call Interactive relay; `None` when no relay is configured (or it
 * has no key).
 */
relay: RelayConnection | null, 
/**
 * The supervisor's export jobs, newest first (at most 50); empty for an agent.
 */
exports: Array<ExportJobView>, 
/**
 * The IVR takeover connection and its sessions; `None` when not set up (or not allowed).
 */
takeover: TakeoverPanel | null, };

export type SessionView = { 
/**
 * Where the sign-in stands.
 */
phase: SessionPhase, 
/**
 * The signed-in (or signing-in) agent.
 */
agentId: number | null, 
/**
 * The agent's state.
 */
agentState: AgentState, 
/**
 * Connection health.
 */
health: Health, 
/**
 * The last problem, if any.
 */
notice: Notice | null, 
/**
 * True when the session runs against the embedded demo.
 */
demo: boolean, 
/**
 * Host (and port) of the gateway, for the status bar; never credentials.
 */
gateway: string | null, 
/**
 * Whether the agent may change state now (signed in, and no call is up).
 */
canChangeState: boolean, 
/**
 * When the gateway last answered a poll (epoch ms), for "last contact" in the status bar.
 * A poll answered with nothing (an idle desk's long poll running out) moves it without
 * publishing a snapshot: a published snapshot has it as of its own change, and
 * `get_snapshot` reads the current one.
 */
lastContactMs: number | null, 
/**
 * The not-ready reasons the agent may pick from (configured by the administrator).
 */
busyReasons: Array<BusyReason>, };

export type SessionPhase = "signedOut" | "signingIn" | "signedIn" | "signingOut";

export type AgentState = "unknown" | "ready" | "busy" | "notReady" | "rest" | "wrapUp";

export type Health = "offline" | "connected" | "reconnecting" | "lost";

export type Notice = { 
/**
 * What kind of problem.
 */
code: ErrorCode, 
/**
 * A sentence for the agent.
 */
message: string, };

export type BusyReason = { 
/**
 * Reason code sent with `saybusy`, 200–250.
 */
code: number, 
/**
 * What the agent sees, for example "Training".
 */
label: string, };

export type CallNotes = { 
/**
 * The call they belong to.
 */
callId: string, 
/**
 * In the order they were typed.
 */
notes: Array<NoteView>, 
/**
 * The most bytes the call's notes document may take (16,367).
 */
maxBytes: number, 
/**
 * The bytes the document takes with one more note whose text is empty. A new note of text
 * `t` fits when `base_bytes + json_escaped_len(t) <= max_bytes`, where `json_escaped_len` is
 * the UTF-8 length of `t` as a JSON string without its quotes.
 */
baseBytes: number, 
/**
 * Why notes cannot be attached now (no call-data key, no store), if so.
 */
unavailable: string | null, };

export type NoteView = { 
/**
 * Stable id: the order notes were typed in.
 */
id: number, 
/**
 * The agent who typed it.
 */
author: number, 
/**
 * When it was typed (epoch ms).
 */
atMs: number, 
/**
 * The note.
 */
text: string, 
/**
 * Where its delivery stands.
 */
delivery: Delivery, 
/**
 * Why it failed, was not attached, or is being retried.
 */
reason: string | null, };

export type Delivery = "pending" | "sending" | "confirmed" | "failed" | "notAttached";

export type HistoryCall = { 
/**
 * The platform's call id.
 */
callId: string, 
/**
 * Calling number.
 */
caller: string, 
/**
 * Called number.
 */
callee: string, 
/**
 * Inbound or outbound.
 */
direction: Direction, 
/**
 * When it reached the agent (epoch ms).
 */
offeredAtMs: number, 
/**
 * When it was answered.
 */
answeredAtMs: number | null, 
/**
 * When it ended.
 */
endedAtMs: number | null, 
/**
 * Whether it is the call on the card now. A call with no end that is not live ended unseen
 * (Sidekick was closed or the session was lost before its end came).
 */
live: boolean, 
/**
 * Its notes, decrypted, in the order they were typed.
 */
notes: Array<NoteView>, };

export type RecordingView = { 
/**
 * The call it is about.
 */
callId: string, 
/**
 * The platform that records.
 */
path: RecordingPath, 
/**
 * Where it stands.
 */
state: RecordingState, 
/**
 * When the platform confirmed it (epoch ms), for the elapsed time.
 */
startedAtMs: number | null, 
/**
 * Why it failed (with the platform's code), or why it cannot be asked for now.
 */
reason: string | null, 
/**
 * The agent may start a recording now.
 */
canStart: boolean, 
/**
 * The agent may stop it now (gateway path only: ODFS has no stop).
 */
canStop: boolean, };

export type RecordingPath = "odfs" | "gateway";

export type RecordingState = "off" | "requesting" | "recording" | "stopping" | "failed";

export type AuditEntry = { 
/**
 * Order of writing.
 */
id: number, 
/**
 * When (epoch ms).
 */
atMs: number, 
/**
 * The agent who asked.
 */
agentId: number, 
/**
 * The call.
 */
callId: string, 
/**
 * Which platform.
 */
path: RecordingPath, 
/**
 * Start or stop.
 */
action: AuditAction, 
/**
 * What came of it.
 */
outcome: AuditOutcome, 
/**
 * The platform's result code (`0`, `900002`, `100-009`, `HTTP 500`, …), when there is one.
 */
code: string | null, 
/**
 * The platform's message or the reason, when there is one.
 */
message: string | null, };

export type AuditAction = "start" | "stop";

export type AuditOutcome = "accepted" | "confirmed" | "invalid" | "failed";

export type ErrorCode = "invalidInput" | "gatewayUnreachable" | "gatewayRefused" | "alreadySignedIn" | "sessionLost" | "sessionRestored" | "notSignedIn" | "busy" | "storage" | "internal";

export type CallView = { 
/**
 * The platform's call id.
 */
callId: string, 
/**
 * Calling number.
 */
caller: string, 
/**
 * Called number.
 */
callee: string, 
/**
 * Inbound or outbound.
 */
direction: Direction, 
/**
 * Ringing, talking, held or ended.
 */
state: CallState, 
/**
 * When the call reached the agent (epoch ms).
 */
offeredAtMs: number, 
/**
 * When it was connected (epoch ms); the timer counts from here.
 */
answeredAtMs: number | null, 
/**
 * When it ended (epoch ms).
 */
endedAtMs: number | null, 
/**
 * Who ended it, when known.
 */
endedBy: EndedBy | null, 
/**
 * What the agent may do with the call now; the UI enables exactly these buttons.
 */
actions: CallActions, };

export type CallState = "ringing" | "talking" | "held" | "ended";

export type Direction = "inbound" | "outbound";

export type EndedBy = "agent" | "customer";

export type CallActions = { 
/**
 * The call rings for the agent.
 */
answer: boolean, 
/**
 * The call is connected.
 */
hold: boolean, 
/**
 * The call is on hold.
 */
unhold: boolean, 
/**
 * The call is connected or on hold.
 */
hangUp: boolean, };

export type StateChoice = { "kind": "ready" } | { "kind": "notReady", 
/**
 * Reason code, 200–250.
 */
reason: number | null, } | { "kind": "rest", 
/**
 * Length of the break.
 */
minutes: number, } | { "kind": "wrapUp" };

export type SettingsView = { 
/**
 * Last gateway address used to sign in.
 */
gatewayUrl: string | null, 
/**
 * Last agent id used to sign in.
 */
agentId: number | null, 
/**
 * Last phone number used to sign in.
 */
phoneNumber: string | null, 
/**
 * Interface language.
 */
language: Language, 
/**
 * Whether the OS keychain holds a password for the remembered agent and gateway (the
 * password itself never leaves the backend).
 */
passwordSaved: boolean, 
/**
 * The operating system's language as a BCP 47 tag (`ru-RU`, `en-GB`), which `auto` follows;
 * `None` when the system does not say.
 */
systemLanguage: string | null, 
/**
 * Whether the OS keychain holds the deployment's call-data key (never the key itself).
 */
callDataKeySaved: boolean, 
/**
 * How this deployment records calls (administrator's setting); `None`: no recording.
 */
recordingPath: RecordingPath | null, 
/**
 * Whether the OS keychain holds the ODFS app secret (never the secret itself).
 */
odfsSecretSaved: boolean, 
/**
 * The system-wide hotkey that starts or stops recording; `None`: turned off.
 */
recordHotkey: string | null, 
/**
 * Why that hotkey does not work (not a key combination, or another application holds it).
 */
recordHotkeyProblem: string | null, 
/**
 * Every system-wide hotkey: its combination (or off) and what is wrong with it.
 */
hotkeys: Array<HotkeyView>, 
/**
 * Telphin Call Interactive: the settings, the server's state, the number `{me}` stands for.
 */
callInteractive: InteractiveView, 
/**
 * Agent or supervisor.
 */
role: Role, 
/**
 * The supervisor's export: settings, whether the SK is saved, the callback receiver.
 */
export: ExportView, 
/**
 * Taking over IVR callers: the settings, whether the token is saved, whether allowed.
 */
takeover: TakeoverView, 
/**
 * The administrator's policy: where, what it locks, what was wrong in it.
 */
policy: PolicyView, 
/**
 * Tray, window and start-up.
 */
desktop: DesktopSettings, 
/**
 * Updates of the app: off, up to date, or one to install.
 */
update: UpdateView, };

export type PolicyView = { 
/**
 * Where the policy file is looked for.
 */
path: string, 
/**
 * Whether a policy file is there.
 */
found: boolean, 
/**
 * The camelCase names of the settings it locks, as in the file.
 */
locked: Array<string>, 
/**
 * What was wrong in the file, one sentence each (those parts are ignored).
 */
problems: Array<string>, 
/**
 * The administrator turned update checks off.
 */
updatesDisabled: boolean, };

export type Language = "auto" | "en" | "ru";

export type SignInForm = { 
/**
 * `https://host:8043`.
 */
gatewayUrl: string, 
/**
 * Work number, as typed.
 */
agentId: string, 
/**
 * CTI password, never logged. Empty means "use the one in the OS keychain", if any.
 */
password: string, 
/**
 * The agent's softphone number.
 */
phoneNumber: string, 
/**
 * Keep the typed password in the OS keychain after a successful sign-in.
 */
remember: boolean, 
/**
 * Take the agent's session over from wherever it is signed in (`forcelogin`). Sent only
 * after the agent confirmed, having been told that a plain sign-in met `100-002`.
 */
force: boolean, };

export type IpcError = { 
/**
 * What kind of error; the UI branches on this.
 */
code: ErrorCode, 
/**
 * A sentence for the agent (English; the UI may show its own text for the code).
 */
message: string, };

export type InteractiveSettings = { 
/**
 * Run the Call Interactive server in this app.
 */
enabled: boolean, 
/**
 * `address:port` to listen on; [`DEFAULT_LISTEN`] when absent.
 */
listen: string | null, 
/**
 * The routing rules, first match wins.
 */
rules: Array<Rule>, 
/**
 * The number `{me}` stands for in a transfer; when absent, the phone number the agent signed
 * in with.
 */
transferNumber: string | null, 
/**
 * A relay (`wss://…/pops`) that forwards screen pops from a cloud PBX; absent: none.
 */
relayUrl: string | null, };

export type InteractiveView = { 
/**
 * What is saved.
 */
settings: InteractiveSettings, 
/**
 * The number `{me}` stands for now (`None`: not known, and rules using it answer nothing).
 */
myNumber: string | null, 
/**
 * Whether the server runs, and where.
 */
status: ServerStatus, 
/**
 * Whether the keychain holds a relay key (never the key).
 */
relayKeySaved: boolean, };

export type ServerStatus = { "state": "off" } | { "state": "listening", 
/**
 * `address:port` it is bound to.
 */
address: string, } | { "state": "failed", 
/**
 * Why, in a sentence.
 */
reason: string, };

export type SampleCall = { 
/**
 * `CallerIDNum`.
 */
caller: string, 
/**
 * `CalledDID` / `CalledNumber`.
 */
called: string, 
/**
 * `HH:MM`; now when empty.
 */
at: string, };

export type IvrPop = { 
/**
 * The PBX's `CallID`.
 */
callId: string, 
/**
 * `CallerIDNum`.
 */
callerNumber: string | null, 
/**
 * `CallerIDName`.
 */
callerName: string | null, 
/**
 * What the caller dialled (`CalledDID`, else `CalledNumber`).
 */
called: string | null, 
/**
 * The IVR (`CalledExtension`).
 */
ivr: string | null, 
/**
 * When it arrived (epoch ms).
 */
atMs: number, 
/**
 * Whether it came through the relay rather than to this app's own server.
 */
viaRelay: boolean, 
/**
 * What this app answered (`None` for a relay's pop, or before the answer is made).
 */
answer: IvrAnswer | null, 
/**
 * The agent's latest calls with this number, newest first, with their notes.
 */
pastCalls: Array<HistoryCall>, };

export type IvrAnswer = { 
/**
 * The rule that chose it (`1. Back to me`), or `None` when none matched.
 */
rule: string | null, 
/**
 * Each action in a few words (`SimpleTransfer 4012`), in order.
 */
actions: Array<string>, 
/**
 * Why the answer is empty when a rule matched but could not be used.
 */
problem: string | null, };

export type RelayConnection = { "state": "connecting" } | { "state": "connected" } | { "state": "down", 
/**
 * Why, as a sentence (never the key).
 */
reason: string, 
/**
 * How long until the next attempt.
 */
retryInMs: number, };

export type Rule = { 
/**
 * What the agent calls it (shown in settings and in errors).
 */
name: string, 
/**
 * A disabled rule is kept but skipped.
 */
enabled: boolean, 
/**
 * When the rule applies.
 */
when: Conditions, 
/**
 * What the answer holds when it does (at most 10).
 */
actions: Array<Action>, };

export type Conditions = { 
/**
 * On `CallerIDNum`.
 */
caller?: NumberPattern | null, 
/**
 * On `CalledDID`, `CalledNumber` or `CalledExtension` (any of them).
 */
called?: NumberPattern | null, 
/**
 * Local time of day.
 */
time?: TimeWindow | null, 
/**
 * The agent spoke with the caller within this many days.
 */
spokeWithinDays?: number | null, };

export type NumberPattern = { "exact": string } | { "prefix": string } | { "glob": string };

export type TimeWindow = { 
/**
 * The first minute inside the window.
 */
from: TimeOfDay, 
/**
 * The first minute after it.
 */
to: TimeOfDay, };

export type TimeOfDay = string;

export type Action = { "action": "Hangup" } | { "action": "Pause", 
/**
 * Seconds, as digits; `None` omits the attribute and the PBX pauses for 10.
 */
length?: string | null, } | { "action": "SetVar", 
/**
 * The variable's name (Latin letters, digits, `_`).
 */
name: string, 
/**
 * Its new value, any text.
 */
value: string, } | { "action": "Jump", 
/**
 * The context's id.
 */
context: string, 
/**
 * The option (`start`, `timeout`, `invalid`, or a digit).
 */
option: string, } | { "action": "SetCaller", 
/**
 * The name, any text (both attributes are always written).
 */
name: string, 
/**
 * The number.
 */
number: string, } | { "action": "PlaySound", 
/**
 * `foreground` or `background`.
 */
where: string, 
/**
 * With `background`: the variable the caller's digits go to.
 */
digitvar?: string | null, 
/**
 * The sound's file name (the `filename` of a `/sound/` resource).
 */
file: string, } | { "action": "SimpleTransfer", 
/**
 * The numbers, comma-separated with no spaces (`101,+74951234567`).
 */
numbers: string, 
/**
 * Whether the transfer ends the IVR's handling (the PBX's default); `false` writes
 * `final="no"`.
 */
final: boolean, 
/**
 * Ring time in seconds, as digits; `None` leaves the system's.
 */
timeout?: string | null, 
/**
 * Pass early media on (`early_media="True"`).
 */
early_media: boolean, };

export type Preview = { 
/**
 * The matching rule's position from 0, or `None` when no rule matched.
 */
rule: number | null, 
/**
 * The exact XML the PBX would get.
 */
xml: string, };

export type Role = "agent" | "supervisor";

export type ExportSettings = { 
/**
 * CC-FS, `https://host:port/`.
 */
ccfsUrl: string | null, 
/**
 * The developer's AK (app id).
 */
ak: string | null, 
/**
 * The tenant space's time zone (IANA, e.g. `Europe/Moscow`); absent: this computer's zone.
 */
tenantZone: string | null, 
/**
 * `address:port` the callback receiver listens on; [`DEFAULT_CALLBACK_LISTEN`] when absent.
 */
callbackListen: string | null, 
/**
 * The address CC-FS calls back (`https://host:port/ccfs/callback`, as CC-FS reaches this
 * computer); absent: made from the listen address. On the host of the Call Interactive relay,
 * callbacks come through the relay and no receiver runs here.
 */
callbackUrl: string | null, 
/**
 * PEM certificate chain of the receiver (the platform must trust it).
 */
callbackCert: string | null, 
/**
 * PEM private key of the receiver.
 */
callbackKey: string | null, 
/**
 * Sign with milliseconds in the timestamp (the reference is unsure which CC-FS wants).
 */
timestampMillis: boolean, };

export type ExportView = { 
/**
 * What is saved.
 */
settings: ExportSettings, 
/**
 * Whether the keychain holds the SK (never the SK).
 */
skSaved: boolean, 
/**
 * The tenant zone in use.
 */
zone: string, 
/**
 * The callback receiver.
 */
receiver: ReceiverStatus, 
/**
 * The demo's CC-FS simulator is in use (the demo runs and no CC-FS address is saved).
 */
demo: boolean, };

export type ReceiverStatus = { "state": "off" } | { "state": "listening", 
/**
 * The address CC-FS calls.
 */
url: string, } | { "state": "viaRelay", 
/**
 * The address CC-FS calls (the relay's).
 */
url: string, } | { "state": "failed", 
/**
 * Why, in a sentence.
 */
reason: string, };

export type BillFilters = { 
/**
 * Tenant space id (at most 20 characters).
 */
accountId: string | null, 
/**
 * Agent id (at most 20).
 */
agentId: string | null, 
/**
 * Call id (at most 25).
 */
callId: string | null, 
/**
 * Calling number (at most 25).
 */
callerNo: string | null, 
/**
 * Called number (at most 25).
 */
calleeNo: string | null, 
/**
 * Second called number (at most 25).
 */
calleeNo2: string | null, };

export type DataType = "call" | "record" | "callRecord";

export type ExportForm = { 
/**
 * Start, tenant time: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`.
 */
begin: string, 
/**
 * End, the same forms; a date alone means its end (23:59:59).
 */
end: string, 
/**
 * Filters (empty ones are left out).
 */
filters: BillFilters, 
/**
 * Which files.
 */
dataType: DataType, };

export type JobState = "requested" | "waiting" | "downloading" | "ready" | "failed";

export type ExportJobView = { 
/**
 * Its id.
 */
id: number, 
/**
 * The request it is part of (one per form sent).
 */
request: number, 
/**
 * Its place in the request (1-based) and how many windows the request has.
 */
part: number, 
/**
 * How many windows the request has.
 */
parts: number, 
/**
 * When it was asked for (ms since the epoch).
 */
createdMs: number, 
/**
 * Window start, tenant time `YYYY-MM-DD HH:MM:SS`.
 */
begin: string, 
/**
 * Window end.
 */
end: string, 
/**
 * The filters sent.
 */
filters: BillFilters, 
/**
 * The files asked for.
 */
dataType: DataType, 
/**
 * Where it stands.
 */
state: JobState, 
/**
 * CC-FS's id, once it answered.
 */
responseId: string | null, 
/**
 * The file the callback named.
 */
billFileName: string | null, 
/**
 * Why it failed (or the last passing problem while it is retried).
 */
reason: string | null, 
/**
 * CDRs stored.
 */
calls: number, 
/**
 * Recording indexes stored.
 */
records: number, };

export type RowKind = "calls" | "records";

export type RowQuery = { 
/**
 * CDRs or recording indexes.
 */
kind: RowKind, 
/**
 * One job's rows; `None`: every ready job's.
 */
job: number | null, 
/**
 * Matched (case-insensitively, as a substring) against agent, call id and both numbers.
 */
search: string, 
/**
 * A column name of [`RowPage::columns`]; `None`: call start.
 */
sort: string | null, 
/**
 * Largest first.
 */
descending: boolean, 
/**
 * Rows skipped (paging).
 */
offset: number, };

export type RowPage = { 
/**
 * Column names, in the vendor's order.
 */
columns: Array<string>, 
/**
 * The rows, each a value per column.
 */
rows: Array<Array<string>>, 
/**
 * How many rows match in all.
 */
total: number, 
/**
 * Rows skipped.
 */
offset: number, };

export type ExportAuditEntry = { 
/**
 * When (ms since the epoch).
 */
atMs: number, 
/**
 * Who: the OS user, and the agent id when signed in.
 */
who: string, 
/**
 * What: `request`, `callback`, `download`, `retry`, `csv`.
 */
action: string, 
/**
 * The job, if any.
 */
job: number | null, 
/**
 * The period and filters, as sent.
 */
detail: string, 
/**
 * `ok`, or the error.
 */
result: string, };

export type TakeoverSettings = { 
/**
 * The platform's token API, `wss://host/ws/token/v1` (`ws://` only to this computer).
 */
url: string | null, 
/**
 * Put the token in the path instead of an `Authorization: Bearer` header (for proxies that
 * drop the header).
 */
tokenInPath: boolean, 
/**
 * Administrator setting: agents, not only supervisors, may take callers over.
 */
agentsAllowed: boolean, };

export type TakeoverView = { 
/**
 * What is saved.
 */
settings: TakeoverSettings, 
/**
 * Whether the keychain holds the token (never the token).
 */
tokenSaved: boolean, 
/**
 * Whether this user may take callers over (a supervisor, or agents are allowed).
 */
allowed: boolean, 
/**
 * The demo's Era simulator is in use (the demo runs and no address is saved).
 */
demo: boolean, };

export type TakeoverPanel = { 
/**
 * How the connection stands.
 */
link: TakeoverLink, 
/**
 * The sessions, newest offer first (at most [`SESSIONS_SHOWN`]).
 */
sessions: Array<TakeoverSession>, 
/**
 * Frames from the platform that could not be read and were skipped.
 */
malformedFrames: number, };

export type TakeoverLink = { "state": "connecting" } | { "state": "connected" } | { "state": "down", 
/**
 * Why, in a sentence.
 */
reason: string, 
/**
 * The wait before the next attempt.
 */
retryInMs: number, } | { "state": "stopped" };

export type TakeoverPhase = "offered" | "accepting" | "controlled" | "applying" | "running" | "released" | "stopped";

export type TakeoverSession = { 
/**
 * The platform's id of the IVR dialog.
 */
ivrid: string, 
/**
 * The component's parameters, as the script gives them (often JSON).
 */
params: string, 
/**
 * The caller's SIP Call-ID.
 */
callid: string | null, 
/**
 * The component's title in the script.
 */
componentName: string | null, 
/**
 * The SIP state: `incoming`, `ringing`, `early` or `dialog`; `None` when not given.
 */
sipState: string | null, 
/**
 * When the offer arrived (ms since the epoch).
 */
offeredMs: number, 
/**
 * When the platform stops waiting for a taker (ms since the epoch).
 */
acceptDeadlineMs: number, 
/**
 * Where it stands.
 */
phase: TakeoverPhase, 
/**
 * The running (or sent) component's `oType`.
 */
oType: number | null, 
/**
 * Why it was released, or the platform's reason for stopping it (`script`, `timeout`,
 * `abort`).
 */
reason: string | null, 
/**
 * The digits the caller pressed, in order.
 */
dtmf: string, 
/**
 * How the last component ended.
 */
lastComponent: ComponentResult | null, };

export type ComponentResult = { 
/**
 * Its `oType`.
 */
oType: number, 
/**
 * The exit branch (`transfer`, `timeout`, `error`, `terminated`, …).
 */
transferKey: string, 
/**
 * Its output values, as JSON text.
 */
results: string, };

export type ComponentForm = { "kind": "hangUp" } | { "kind": "answer", 
/**
 * 100–699.
 */
sipCode: number, 
/**
 * For a 3xx: where to.
 */
redirectTo: string | null, } | { "kind": "transfer", 
/**
 * The number.
 */
number: string, } | { "kind": "play", 
/**
 * The file, e.g. `:SYNC_DOMAIN_DATA/prompts/hello.wav` or `:TEMP/x.wav`.
 */
file: string, } | { "kind": "collectDigits", 
/**
 * Total wait, seconds.
 */
timeoutSec: number, 
/**
 * Wait between digits, seconds.
 */
symbolTimeoutSec: number, 
/**
 * Stop after this many digits.
 */
maxSymbols: number | null, 
/**
 * Digits that end the input, e.g. `#`.
 */
interrupt: string | null, } | { "kind": "record", 
/**
 * Longest recording, seconds.
 */
recTimeSec: number, 
/**
 * Digits that stop it, e.g. `#`.
 */
interrupt: string | null, 
/**
 * Stop on silence.
 */
abortOnSilence: boolean, } | { "kind": "raw", 
/**
 * The JSON text.
 */
json: string, };

export type UploadTarget = "temp" | "static" | "shared";

export type UploadForm = { 
/**
 * The session (not needed for `shared`).
 */
ivrid: string | null, 
/**
 * `http(s)://` address the platform downloads from.
 */
url: string, 
/**
 * Where to.
 */
target: UploadTarget, 
/**
 * For static storage: a storage prefix and folder; empty: `:SYNC_DOMAIN_DATA`.
 */
dest: string | null, };

export type FileLinkView = { 
/**
 * The address.
 */
url: string, 
/**
 * When it stops working (ms since the epoch).
 */
expiresMs: number, };

export type DesktopSettings = { 
/**
 * Closing the window while signed in hides it to the tray (the session goes on).
 */
closeToTray: boolean, 
/**
 * The window stays above the others.
 */
alwaysOnTop: boolean, 
/**
 * The app starts when the user logs in.
 */
launchAtLogin: boolean, };

export type HotkeyAction = "answer" | "hold" | "hangUp" | "record" | "focusNotes" | "attachNote";

export type HotkeyView = { 
/**
 * What it does.
 */
action: HotkeyAction, 
/**
 * The combination, or `None` when off.
 */
accelerator: string | null, 
/**
 * Why it does not work (a clash, a combination another application holds), if it does not.
 */
problem: string | null, };

export type UpdateView = { "state": "unknown" } | { "state": "disabledByPolicy" } | { "state": "notConfigured" } | { "state": "upToDate", 
/**
 * When (ms since the epoch).
 */
checkedMs: number, } | { "state": "available", 
/**
 * Its version.
 */
version: string, 
/**
 * What it changes, as published.
 */
notes: string | null, } | { "state": "failed", 
/**
 * Why.
 */
reason: string, };

/** Every backend command: its arguments and its result. Failures reject with an IpcError. */
export interface Commands {
  get_snapshot: { args: Record<string, never>; result: DeskSnapshot; fallible: false };
  sign_in: { args: { form: SignInForm }; result: DeskSnapshot; fallible: true };
  sign_out: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  start_demo: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  set_agent_state: { args: { choice: StateChoice }; result: DeskSnapshot; fallible: true };
  answer_call: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  hold_call: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  unhold_call: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  hang_up: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  get_settings: { args: Record<string, never>; result: SettingsView; fallible: true };
  set_language: { args: { language: Language }; result: SettingsView; fallible: true };
  forget_password: { args: Record<string, never>; result: SettingsView; fallible: true };
  diagnostics: { args: Record<string, never>; result: string; fallible: true };
  window_shown: { args: Record<string, never>; result: null; fallible: false };
  look_for_update: { args: Record<string, never>; result: SettingsView; fallible: true };
  install_update: { args: Record<string, never>; result: null; fallible: true };
  save_desktop_settings: { args: { desktop: DesktopSettings }; result: SettingsView; fallible: true };
  save_hotkeys: { args: { hotkeys: Partial<Record<HotkeyAction, string>> }; result: SettingsView; fallible: true };
  attach_note: { args: { callId: string; text: string }; result: DeskSnapshot; fallible: true };
  call_history: { args: Record<string, never>; result: Array<HistoryCall>; fallible: true };
  set_call_data_key: { args: { key: string }; result: SettingsView; fallible: true };
  forget_call_data_key: { args: Record<string, never>; result: SettingsView; fallible: true };
  start_recording: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  stop_recording: { args: Record<string, never>; result: DeskSnapshot; fallible: true };
  recording_audit: { args: Record<string, never>; result: Array<AuditEntry>; fallible: true };
  export_recording_audit: { args: Record<string, never>; result: string; fallible: true };
  set_odfs_secret: { args: { secret: string }; result: SettingsView; fallible: true };
  forget_odfs_secret: { args: Record<string, never>; result: SettingsView; fallible: true };
  save_call_interactive: { args: { settings: InteractiveSettings }; result: SettingsView; fallible: true };
  preview_call_interactive: { args: { rules: Array<Rule>; sample: SampleCall }; result: Preview; fallible: true };
  call_interactive_address: { args: Record<string, never>; result: string; fallible: true };
  renew_call_interactive_token: { args: Record<string, never>; result: SettingsView; fallible: true };
  dismiss_ivr_pop: { args: { callId: string }; result: DeskSnapshot; fallible: false };
  set_relay_key: { args: { key: string }; result: SettingsView; fallible: true };
  forget_relay_key: { args: Record<string, never>; result: SettingsView; fallible: true };
  set_role: { args: { role: Role }; result: SettingsView; fallible: true };
  save_export_settings: { args: { settings: ExportSettings }; result: SettingsView; fallible: true };
  set_ccfs_sk: { args: { sk: string }; result: SettingsView; fallible: true };
  forget_ccfs_sk: { args: Record<string, never>; result: SettingsView; fallible: true };
  request_export: { args: { form: ExportForm }; result: Array<ExportJobView>; fallible: true };
  retry_export: { args: { job: number }; result: Array<ExportJobView>; fallible: true };
  export_rows: { args: { query: RowQuery }; result: RowPage; fallible: true };
  export_csv: { args: { query: RowQuery }; result: string; fallible: true };
  export_audit: { args: Record<string, never>; result: Array<ExportAuditEntry>; fallible: true };
  save_takeover_settings: { args: { settings: TakeoverSettings }; result: SettingsView; fallible: true };
  set_era_token: { args: { token: string }; result: SettingsView; fallible: true };
  forget_era_token: { args: Record<string, never>; result: SettingsView; fallible: true };
  take_control: { args: { ivrid: string }; result: DeskSnapshot; fallible: true };
  hand_back: { args: { ivrid: string }; result: DeskSnapshot; fallible: true };
  run_component: { args: { ivrid: string; component: ComponentForm }; result: DeskSnapshot; fallible: true };
  stop_component: { args: { ivrid: string }; result: DeskSnapshot; fallible: true };
  ivr_file_link: { args: { ivrid: string; path: string }; result: FileLinkView; fallible: true };
  ivr_upload: { args: { form: UploadForm }; result: string; fallible: true };
}

/** Event names the backend emits, with their payloads. */
export const EVENTS = { snapshot: "desk://snapshot", hotkey: "desk://hotkey" } as const;
export interface EventPayloads {
  "desk://snapshot": DeskSnapshot;
  "desk://hotkey": HotkeyAction;
}

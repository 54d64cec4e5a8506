/**
 * The one interface through which the UI reaches the desk.
 *
 * Components receive a `Backend` and never import `@tauri-apps/*`: the real app gets the Tauri
 * implementation (`tauri.ts`), unit tests and a plain browser get the in-memory fake (`fake.ts`).
 * Every method that can fail rejects with an {@link IpcError}, never with a bare string.
 */
import type {
  AuditEntry,
  DeskSnapshot,
  ErrorCode,
  ExportAuditEntry,
  ExportForm,
  ExportJobView,
  ExportSettings,
  HistoryCall,
  InteractiveSettings,
  IpcError,
  Language,
  Preview,
  Role,
  RowPage,
  RowQuery,
  Rule,
  SampleCall,
  SettingsView,
  SignInForm,
  StateChoice,
  ComponentForm,
  DesktopSettings,
  FileLinkView,
  HotkeyAction,
  TakeoverSettings,
  UploadForm,
} from "./generated";

export interface Backend {
  /** The desk as it is now. */
  snapshot(): Promise<DeskSnapshot>;
  /** Signs the agent in to a gateway; rejects with `invalidInput` etc. */
  signIn(form: SignInForm): Promise<DeskSnapshot>;
  signOut(): Promise<DeskSnapshot>;
  /** Signs a demo agent in to the embedded simulators. */
  startDemo(): Promise<DeskSnapshot>;
  settings(): Promise<SettingsView>;
  setLanguage(language: Language): Promise<SettingsView>;
  /**
   * Removes the password saved in the OS keychain for the remembered gateway and agent
   * (`SettingsView.passwordSaved` turns false); rejects with `storage` when the keychain fails.
   */
  forgetPassword(): Promise<SettingsView>;
  /**
   * Asks for a new agent state. The snapshot shows it once the gateway confirms, not when this
   * resolves; rejects when the desk does not allow a change now (see `SessionView.canChangeState`).
   */
  setAgentState(choice: StateChoice): Promise<DeskSnapshot>;
  /** Answers the ringing call (`CallView.actions.answer`). */
  answerCall(): Promise<DeskSnapshot>;
  /** Puts the connected call on hold (`actions.hold`). */
  holdCall(): Promise<DeskSnapshot>;
  /** Takes the held call back (`actions.unhold`). */
  unholdCall(): Promise<DeskSnapshot>;
  /** Hangs up the connected or held call (`actions.hangUp`). */
  hangUp(): Promise<DeskSnapshot>;
  /**
   * Adds a note to the call `callId`: the call on the card, or an earlier one of the history (a
   * draft finished after the next call arrived; kept there as `notAttached`). The desk has saved
   * it to disk when this resolves; the
   * snapshot's `notes` then show it `pending` (a live call, delivered later) or `notAttached` (an
   * ended call). Rejects with `invalidInput` and a sentence when the note is empty, does not fit
   * the call's data (see `CallNotes.baseBytes`), or notes are unavailable; nothing is saved then.
   */
  attachNote(callId: string, text: string): Promise<DeskSnapshot>;
  /** The last 200 calls, newest first, each with its notes. */
  callHistory(): Promise<HistoryCall[]>;
  /**
   * Checks the deployment's call-data key (32 hex or 24 Base64 characters) and keeps it in the OS
   * keychain; only `SettingsView.callDataKeySaved` ever comes back. Rejects with `invalidInput`
   * saying what is wrong with it (never repeating it), or `storage` when the keychain fails.
   */
  setCallDataKey(key: string): Promise<SettingsView>;
  /** Removes the call-data key from the keychain (`callDataKeySaved` turns false). */
  forgetCallDataKey(): Promise<SettingsView>;
  /**
   * Asks the platform to record the call on the card (`RecordingView.canStart`). The snapshot
   * says `requesting` meanwhile and `recording` only once the platform confirmed (on the ODFS
   * path this resolves after its answer; on the gateway path before the confirming event), or
   * `failed` with the platform's code. Rejects with `invalidInput` and a sentence when the desk
   * refuses locally: no live call, a request already running, recording unavailable.
   */
  startRecording(): Promise<DeskSnapshot>;
  /**
   * Stops the recording (`RecordingView.canStop`: the gateway path only; an ODFS recording ends
   * with the call). Rejects with `invalidInput` when there is nothing to stop.
   */
  stopRecording(): Promise<DeskSnapshot>;
  /** The recording audit log, newest first (the desk shows the latest 500): read-only. */
  recordingAudit(): Promise<AuditEntry[]>;
  /** Writes the whole audit log as CSV into the Downloads folder; resolves to the file's path. */
  exportRecordingAudit(): Promise<string>;
  /**
   * Keeps the ODFS app secret in the OS keychain (used from the next sign-in on); only
   * `SettingsView.odfsSecretSaved` ever comes back. Rejects with `invalidInput` when it is blank.
   */
  setOdfsSecret(secret: string): Promise<SettingsView>;
  /** Removes the ODFS app secret from the keychain (`odfsSecretSaved` turns false). */
  forgetOdfsSecret(): Promise<SettingsView>;
  /**
   * Checks and saves the Telphin Call Interactive settings (the server's switch and address, the
   * number `{me}` stands for, the routing rules), then starts, moves or stops the server to match;
   * `SettingsView.callInteractive.status` says how that went. Nothing is saved when a field is
   * wrong: rejects with `invalidInput` and a sentence naming it (`Rule 2 ("Night"): …`).
   */
  saveCallInteractive(settings: InteractiveSettings): Promise<SettingsView>;
  /**
   * The exact XML a sample call would get from `rules` (not necessarily saved ones) at the sample's
   * time (now when empty), and which rule gives it. Rejects with `invalidInput` when a rule, or
   * the sample's time, is wrong.
   */
  previewCallInteractive(rules: Rule[], sample: SampleCall): Promise<Preview>;
  /**
   * The address to configure in the PBX's IVR, secret token included: ask only when the user asks
   * to see it, and never keep it. Rejects with `invalidInput` when the server does not run.
   */
  callInteractiveAddress(): Promise<string>;
  /**
   * Makes a new secret token, so the address changes (the old one stops working and the PBX must
   * be given the new one). Rejects with `invalidInput` when Call Interactive is off.
   */
  renewCallInteractiveToken(): Promise<SettingsView>;
  /**
   * Checks the key for the Call Interactive relay (at least 16 Latin letters, digits, - or _) and
   * keeps it in the OS keychain; with a relay address saved, the app connects (see
   * `DeskSnapshot.relay`). Only `InteractiveView.relayKeySaved` ever comes back. Rejects with
   * `invalidInput` saying what is wrong with it, or `storage` when the keychain fails.
   */
  setRelayKey(key: string): Promise<SettingsView>;
  /** Removes the relay key from the keychain (`relayKeySaved` turns false); the relay connection closes. */
  forgetRelayKey(): Promise<SettingsView>;
  /** Takes the screen pop of `callId` off the screen (a newer pop stays). Never fails. */
  dismissIvrPop(callId: string): Promise<DeskSnapshot>;
  /**
   * Makes the user an agent or a supervisor (`SettingsView.role`); a supervisor sees the export
   * page, and the CC-FS callback receiver runs for them (see `ExportView.receiver`).
   */
  setRole(role: Role): Promise<SettingsView>;
  /**
   * Checks and saves the CC-FS export settings, then starts, moves or stops the callback receiver
   * to match. Nothing is saved when a field is wrong: rejects with `invalidInput` and a sentence
   * naming it.
   */
  saveExportSettings(settings: ExportSettings): Promise<SettingsView>;
  /**
   * Keeps the CC-FS SK (the developer's secret key) in the OS keychain; only `ExportView.skSaved`
   * ever comes back. Rejects with `invalidInput` when it is blank, `storage` when the keychain fails.
   */
  setCcfsSk(sk: string): Promise<SettingsView>;
  /** Removes the CC-FS SK from the keychain (`skSaved` turns false); the callback receiver stops. */
  forgetCcfsSk(): Promise<SettingsView>;
  /**
   * Asks CC-FS for the CDRs and recording indexes of a period, cut into windows of at most three
   * days, each a job of its own; resolves to the new jobs, which then progress in the snapshot's
   * `exports` (requested → waiting → downloading → ready, or failed with a reason). Nothing is
   * asked when the form is wrong: rejects with `invalidInput` and a sentence (a time that is not
   * one, the end before the start, a filter too long: agent and account at most 20 characters,
   * call id and numbers 25), or when exports cannot run (not a supervisor, CC-FS not configured,
   * the callback receiver not running).
   */
  requestExport(form: ExportForm): Promise<ExportJobView[]>;
  /**
   * Tries a failed job again (downloads its file again when CC-FS already named it, else asks
   * again); resolves to the newest jobs. Rejects with `invalidInput` when the job is not a failed
   * one, or exports cannot run.
   */
  retryExport(job: number): Promise<ExportJobView[]>;
  /** A page (500 rows) of the stored CDRs or recording indexes that match `query`. */
  exportRows(query: RowQuery): Promise<RowPage>;
  /**
   * Writes every row that matches `query` (all pages) as CSV into the Downloads folder; resolves
   * to the file's path.
   */
  exportCsv(query: RowQuery): Promise<string>;
  /** The export audit log (requests, callbacks, downloads, retries, CSV files), newest first: read-only. */
  exportAudit(): Promise<ExportAuditEntry[]>;
  /**
   * Saves the system-wide hotkeys (an empty combination turns one off); the app registers them
   * again, and `SettingsView.hotkeys` says which could not be (a clash, or another application
   * holds the combination).
   */
  saveHotkeys(hotkeys: Partial<Record<HotkeyAction, string>>): Promise<SettingsView>;
  /** Calls `cb` with each hotkey meant for the window (focus the notes, attach the note). */
  onHotkey(cb: (action: HotkeyAction) => void): Promise<() => void>;
  /** Looks for an update now; resolves to the settings with what was found (`update`). */
  lookForUpdate(): Promise<SettingsView>;
  /** Installs the update found and restarts the app; rejects during a call, or when updates are off. */
  installUpdate(): Promise<null>;
  /** A diagnostics text for a support ticket: versions, folders, state, settings; no secrets. */
  diagnostics(): Promise<string>;
  /** Tells the backend the first screen is drawn (it keeps the start-up time; only the first counts). */
  windowShown(): Promise<void>;
  /** Saves the tray, window and start-up settings; the shell applies them at once. */
  saveDesktopSettings(desktop: DesktopSettings): Promise<SettingsView>;
  /**
   * Checks and saves the IVR takeover settings (the platform's `wss://…/ws/token/v1` address, the
   * token's place, whether agents may take over); the connection starts, moves or stops to match.
   * Rejects with `invalidInput` and a sentence when the address is wrong; nothing is saved then.
   */
  saveTakeoverSettings(settings: TakeoverSettings): Promise<SettingsView>;
  /**
   * Keeps the Era token in the OS keychain; only `takeover.tokenSaved` ever comes back. Rejects
   * with `invalidInput` when it cannot be one (under 8 characters, spaces or slashes).
   */
  setEraToken(token: string): Promise<SettingsView>;
  /** Removes the Era token from the keychain; the connection stops. */
  forgetEraToken(): Promise<SettingsView>;
  /**
   * Takes control of an offered IVR session (`TakeoverPhase` `offered`). The first controller
   * wins: another's refusal rejects with `gatewayRefused` and the platform's reason.
   */
  takeControl(ivrid: string): Promise<DeskSnapshot>;
  /** Hands a controlled session back to the script (which goes on with its next component). */
  handBack(ivrid: string): Promise<DeskSnapshot>;
  /**
   * Runs a component on a controlled session; one at a time. Rejects with `invalidInput` and a
   * sentence when a value is wrong, a component already runs, or the call's SIP state forbids it.
   */
  runComponent(ivrid: string, component: ComponentForm): Promise<DeskSnapshot>;
  /** Stops the running component (it ends with transferKey `terminated`). */
  stopComponent(ivrid: string): Promise<DeskSnapshot>;
  /** A public link to a script file (valid 5 minutes, `expiresMs`). */
  ivrFileLink(ivrid: string, path: string): Promise<FileLinkView>;
  /** Has the platform download a file (temporary or static storage); resolves to the path to play. */
  ivrUpload(form: UploadForm): Promise<string>;
  /** Calls `cb` with every snapshot the desk publishes; resolves to the unsubscribe function. */
  onSnapshot(cb: (snapshot: DeskSnapshot) => void): Promise<() => void>;
}

/** True when `x` has the `{ code, message }` shape the backend rejects with. */
export function isIpcError(x: unknown): x is IpcError {
  if (typeof x !== "object" || x === null) return false;
  const { code, message } = x as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string";
}

/**
 * Normalises anything a rejected promise may carry into an {@link IpcError}. Tauri itself rejects
 * with plain strings (unknown command, denied permission); those become `internal`.
 */
export function toIpcError(x: unknown): IpcError {
  if (isIpcError(x)) return x;
  const code: ErrorCode = "internal";
  if (typeof x === "string") return { code, message: x };
  if (x instanceof Error) return { code, message: x.message };
  return { code, message: String(x) };
}

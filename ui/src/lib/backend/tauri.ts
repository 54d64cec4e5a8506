/** The real backend: Tauri commands and events, typed through the generated `Commands` map. */
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { toIpcError, type Backend } from "./backend";
import {
  EVENTS,
  type Commands,
  type DeskSnapshot,
  type ExportForm,
  type ExportSettings,
  type InteractiveSettings,
  type Language,
  type Role,
  type RowQuery,
  type Rule,
  type SampleCall,
  type SignInForm,
  type StateChoice,
  type ComponentForm,
  type DesktopSettings,
  type HotkeyAction,
  type TakeoverSettings,
  type UploadForm,
} from "./generated";

/**
 * A recorder of every payload the backend sends into the page (command results, errors and
 * events). Nothing sets it in the app; the end-to-end secret scan sets
 * `window.__sidekickIpcTap` to prove that no secret ever crosses into the page.
 */
export type IpcTap = (kind: "result" | "error" | "event", name: string, payload: unknown) => void;

function tap(kind: "result" | "error" | "event", name: string, payload: unknown) {
  const recorder = (globalThis as { __sidekickIpcTap?: IpcTap }).__sidekickIpcTap;
  if (typeof recorder === "function") recorder(kind, name, payload);
}

/** Invokes one command; whatever it rejects with comes out as an `IpcError`. */
export async function call<K extends keyof Commands>(
  cmd: K,
  args: Commands[K]["args"],
): Promise<Commands[K]["result"]> {
  try {
    const result = await invoke<Commands[K]["result"]>(cmd, args);
    tap("result", cmd, result);
    return result;
  } catch (e) {
    tap("error", cmd, e);
    throw toIpcError(e);
  }
}

/** Listens to one backend event (its payload also goes to the tap, if one is set). */
function on<T>(name: string, cb: (payload: T) => void) {
  return listen<T>(name, (event) => {
    tap("event", name, event.payload);
    cb(event.payload);
  });
}

export class TauriBackend implements Backend {
  snapshot() {
    return call("get_snapshot", {});
  }
  signIn(form: SignInForm) {
    return call("sign_in", { form });
  }
  signOut() {
    return call("sign_out", {});
  }
  startDemo() {
    return call("start_demo", {});
  }
  settings() {
    return call("get_settings", {});
  }
  setLanguage(language: Language) {
    return call("set_language", { language });
  }
  forgetPassword() {
    return call("forget_password", {});
  }
  setAgentState(choice: StateChoice) {
    return call("set_agent_state", { choice });
  }
  answerCall() {
    return call("answer_call", {});
  }
  holdCall() {
    return call("hold_call", {});
  }
  unholdCall() {
    return call("unhold_call", {});
  }
  hangUp() {
    return call("hang_up", {});
  }
  attachNote(callId: string, text: string) {
    return call("attach_note", { callId, text });
  }
  callHistory() {
    return call("call_history", {});
  }
  setCallDataKey(key: string) {
    return call("set_call_data_key", { key });
  }
  forgetCallDataKey() {
    return call("forget_call_data_key", {});
  }
  startRecording() {
    return call("start_recording", {});
  }
  stopRecording() {
    return call("stop_recording", {});
  }
  recordingAudit() {
    return call("recording_audit", {});
  }
  exportRecordingAudit() {
    return call("export_recording_audit", {});
  }
  setOdfsSecret(secret: string) {
    return call("set_odfs_secret", { secret });
  }
  forgetOdfsSecret() {
    return call("forget_odfs_secret", {});
  }
  saveCallInteractive(settings: InteractiveSettings) {
    return call("save_call_interactive", { settings });
  }
  previewCallInteractive(rules: Rule[], sample: SampleCall) {
    return call("preview_call_interactive", { rules, sample });
  }
  callInteractiveAddress() {
    return call("call_interactive_address", {});
  }
  renewCallInteractiveToken() {
    return call("renew_call_interactive_token", {});
  }
  setRelayKey(key: string) {
    return call("set_relay_key", { key });
  }
  forgetRelayKey() {
    return call("forget_relay_key", {});
  }
  dismissIvrPop(callId: string) {
    return call("dismiss_ivr_pop", { callId });
  }
  setRole(role: Role) {
    return call("set_role", { role });
  }
  saveExportSettings(settings: ExportSettings) {
    return call("save_export_settings", { settings });
  }
  setCcfsSk(sk: string) {
    return call("set_ccfs_sk", { sk });
  }
  forgetCcfsSk() {
    return call("forget_ccfs_sk", {});
  }
  requestExport(form: ExportForm) {
    return call("request_export", { form });
  }
  retryExport(job: number) {
    return call("retry_export", { job });
  }
  exportRows(query: RowQuery) {
    return call("export_rows", { query });
  }
  exportCsv(query: RowQuery) {
    return call("export_csv", { query });
  }
  exportAudit() {
    return call("export_audit", {});
  }
  saveHotkeys(hotkeys: Partial<Record<HotkeyAction, string>>) {
    return call("save_hotkeys", { hotkeys });
  }
  onHotkey(cb: (action: HotkeyAction) => void) {
    return on<HotkeyAction>(EVENTS.hotkey, cb);
  }
  lookForUpdate() {
    return call("look_for_update", {});
  }
  installUpdate() {
    return call("install_update", {});
  }
  diagnostics() {
    return call("diagnostics", {});
  }
  async windowShown() {
    await call("window_shown", {});
  }
  saveDesktopSettings(desktop: DesktopSettings) {
    return call("save_desktop_settings", { desktop });
  }
  saveTakeoverSettings(settings: TakeoverSettings) {
    return call("save_takeover_settings", { settings });
  }
  setEraToken(token: string) {
    return call("set_era_token", { token });
  }
  forgetEraToken() {
    return call("forget_era_token", {});
  }
  takeControl(ivrid: string) {
    return call("take_control", { ivrid });
  }
  handBack(ivrid: string) {
    return call("hand_back", { ivrid });
  }
  runComponent(ivrid: string, component: ComponentForm) {
    return call("run_component", { ivrid, component });
  }
  stopComponent(ivrid: string) {
    return call("stop_component", { ivrid });
  }
  ivrFileLink(ivrid: string, path: string) {
    return call("ivr_file_link", { ivrid, path });
  }
  ivrUpload(form: UploadForm) {
    return call("ivr_upload", { form });
  }
  onSnapshot(cb: (snapshot: DeskSnapshot) => void) {
    return on<DeskSnapshot>(EVENTS.snapshot, cb);
  }
}

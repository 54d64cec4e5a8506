import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DeskSnapshot, ExportForm, ExportSettings, InteractiveSettings, RowQuery, Rule, SampleCall, SignInForm } from "./generated";
import { call, TauriBackend } from "./tauri";

const { invoke, listen } = vi.hoisted(() => ({ invoke: vi.fn(), listen: vi.fn() }));
vi.mock("@tauri-apps/api/core", () => ({ invoke }));
vi.mock("@tauri-apps/api/event", () => ({ listen }));

const form: SignInForm = { gatewayUrl: "https://cc.example.com:8043", agentId: "1001", password: "pw", phoneNumber: "40038", remember: false, force: false };

const rules: Rule[] = [
  {
    name: "Back to me",
    enabled: true,
    when: { spokeWithinDays: 7 },
    actions: [{ action: "SimpleTransfer", numbers: "{me}", final: true, early_media: false }],
  },
];
const interactive: InteractiveSettings = { enabled: true, listen: "0.0.0.0:8095", rules, transferNumber: null, relayUrl: null };
const sample: SampleCall = { caller: "+74951234567", called: "74950001122", at: "10:30" };
const exportSettings: ExportSettings = {
  ccfsUrl: "https://ccfs.example.com:28443/",
  ak: "ak-1",
  tenantZone: "Europe/Moscow",
  callbackListen: "0.0.0.0:8443",
  callbackUrl: "https://sidekick.example.com:8443/ccfs/callback",
  callbackCert: "/etc/sidekick/receiver.crt",
  callbackKey: "/etc/sidekick/receiver.key",
  timestampMillis: true,
};
const exportForm: ExportForm = {
  begin: "2026-11-01",
  end: "2026-11-10 18:00",
  filters: { accountId: null, agentId: "1001", callId: null, callerNo: null, calleeNo: null, calleeNo2: null },
  dataType: "callRecord",
};
const rowQuery: RowQuery = { kind: "records", job: 7, search: "1001", sort: "agent_id", descending: true, offset: 500 };

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe("call", () => {
  it("passes the command name and arguments to invoke and returns its result", async () => {
    invoke.mockResolvedValue({ language: "ru" });
    await expect(call("set_language", { language: "ru" })).resolves.toEqual({ language: "ru" });
    expect(invoke).toHaveBeenCalledWith("set_language", { language: "ru" });
  });

  it("passes an IpcError from the backend through unchanged", async () => {
    invoke.mockRejectedValue({ code: "invalidInput", message: "Agent ID must be 101–999999" });
    await expect(call("sign_in", { form })).rejects.toEqual({
      code: "invalidInput",
      message: "Agent ID must be 101–999999",
    });
  });

  it("wraps Tauri's own string rejections as internal errors", async () => {
    invoke.mockRejectedValue("command sign_in not allowed by ACL");
    await expect(call("sign_in", { form })).rejects.toEqual({
      code: "internal",
      message: "command sign_in not allowed by ACL",
    });
  });

  it("wraps thrown Errors as internal errors", async () => {
    invoke.mockRejectedValue(new TypeError("window.__TAURI_INTERNALS__ is undefined"));
    await expect(call("get_snapshot", {})).rejects.toEqual({
      code: "internal",
      message: "window.__TAURI_INTERNALS__ is undefined",
    });
  });
});

describe("TauriBackend", () => {
  it("maps each method to its command", async () => {
    invoke.mockResolvedValue(null);
    const backend = new TauriBackend();
    await backend.snapshot();
    await backend.signIn(form);
    await backend.signOut();
    await backend.startDemo();
    await backend.settings();
    await backend.setLanguage("en");
    await backend.forgetPassword();
    await backend.setAgentState({ kind: "rest", minutes: 15 });
    await backend.answerCall();
    await backend.holdCall();
    await backend.unholdCall();
    await backend.hangUp();
    await backend.attachNote("c-1", "Wants a callback");
    await backend.callHistory();
    await backend.setCallDataKey("000102030405060708090a0b0c0d0e0f");
    await backend.forgetCallDataKey();
    await backend.startRecording();
    await backend.stopRecording();
    await backend.recordingAudit();
    await backend.exportRecordingAudit();
    await backend.setOdfsSecret("odfs-secret");
    await backend.forgetOdfsSecret();
    await backend.saveCallInteractive(interactive);
    await backend.previewCallInteractive(rules, sample);
    await backend.callInteractiveAddress();
    await backend.renewCallInteractiveToken();
    await backend.setRelayKey("relay-key-0123456789");
    await backend.forgetRelayKey();
    await backend.dismissIvrPop("ivr-1");
    await backend.setRole("supervisor");
    await backend.saveExportSettings(exportSettings);
    await backend.setCcfsSk("sk-secret");
    await backend.forgetCcfsSk();
    await backend.requestExport(exportForm);
    await backend.retryExport(7);
    await backend.exportRows(rowQuery);
    await backend.exportCsv(rowQuery);
    await backend.exportAudit();
    expect(invoke.mock.calls).toEqual([
      ["get_snapshot", {}],
      ["sign_in", { form }],
      ["sign_out", {}],
      ["start_demo", {}],
      ["get_settings", {}],
      ["set_language", { language: "en" }],
      ["forget_password", {}],
      ["set_agent_state", { choice: { kind: "rest", minutes: 15 } }],
      ["answer_call", {}],
      ["hold_call", {}],
      ["unhold_call", {}],
      ["hang_up", {}],
      ["attach_note", { callId: "c-1", text: "Wants a callback" }],
      ["call_history", {}],
      ["set_call_data_key", { key: "000102030405060708090a0b0c0d0e0f" }],
      ["forget_call_data_key", {}],
      ["start_recording", {}],
      ["stop_recording", {}],
      ["recording_audit", {}],
      ["export_recording_audit", {}],
      ["set_odfs_secret", { secret: "odfs-secret" }],
      ["forget_odfs_secret", {}],
      ["save_call_interactive", { settings: interactive }],
      ["preview_call_interactive", { rules, sample }],
      ["call_interactive_address", {}],
      ["renew_call_interactive_token", {}],
      ["set_relay_key", { key: "relay-key-0123456789" }],
      ["forget_relay_key", {}],
      ["dismiss_ivr_pop", { callId: "ivr-1" }],
      ["set_role", { role: "supervisor" }],
      ["save_export_settings", { settings: exportSettings }],
      ["set_ccfs_sk", { sk: "sk-secret" }],
      ["forget_ccfs_sk", {}],
      ["request_export", { form: exportForm }],
      ["retry_export", { job: 7 }],
      ["export_rows", { query: rowQuery }],
      ["export_csv", { query: rowQuery }],
      ["export_audit", {}],
    ]);
  });

  it("subscribes to the snapshot event and hands over its payload", async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const seen: DeskSnapshot[] = [];

    const stop = await new TauriBackend().onSnapshot((s) => seen.push(s));

    expect(listen).toHaveBeenCalledWith("desk://snapshot", expect.any(Function));
    const handler = listen.mock.calls[0]?.[1] as (event: { payload: unknown }) => void;
    const payload = { session: { phase: "signedOut" }, call: null };
    handler({ payload });
    expect(seen).toEqual([payload]);
    stop();
    expect(unlisten).toHaveBeenCalledOnce();
  });
});

describe("the IPC tap (the end-to-end secret scan's recorder)", () => {
  it("sees every result, error and event payload when set, and nothing breaks when it is not", async () => {
    const seen: [string, string, unknown][] = [];
    const g = globalThis as { __sidekickIpcTap?: (k: string, n: string, p: unknown) => void };
    g.__sidekickIpcTap = (kind, name, payload) => seen.push([kind, name, payload]);
    try {
      invoke.mockResolvedValueOnce({ language: "ru" });
      await call("set_language", { language: "ru" });
      invoke.mockRejectedValueOnce({ code: "invalidInput", message: "no" });
      await expect(call("set_language", { language: "en" })).rejects.toBeTruthy();
      listen.mockResolvedValue(() => {});
      await new TauriBackend().onSnapshot(() => {});
      const handler = listen.mock.calls[0]?.[1] as (event: { payload: unknown }) => void;
      handler({ payload: { session: null } });
      expect(seen).toEqual([
        ["result", "set_language", { language: "ru" }],
        ["error", "set_language", { code: "invalidInput", message: "no" }],
        ["event", "desk://snapshot", { session: null }],
      ]);
    } finally {
      delete g.__sidekickIpcTap;
    }
    invoke.mockResolvedValueOnce({ language: "en" });
    await expect(call("set_language", { language: "en" })).resolves.toEqual({ language: "en" });
    expect(seen).toHaveLength(3);
  });
});

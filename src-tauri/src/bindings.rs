//! The TypeScript mirror of the IPC surface: payload types, error codes, command signatures and
//! event names, written to `ui/src/lib/backend/generated.ts`.
//!
//! The file is checked in. `cargo test -p sidekick bindings_are_current` fails when it differs
//! from what this module generates; run it with `UPDATE_BINDINGS=1` to rewrite the file.

use sidekick_desk::notes::{CallNotes, Delivery, HistoryCall, NoteView};
use sidekick_desk::recording::audit::{AuditAction, AuditOutcome};
use sidekick_desk::recording::{AuditEntry, RecordingPath, RecordingState, RecordingView};
use sidekick_desk::interactive::{
    InteractiveSettings, InteractiveView, IvrAnswer, IvrPop, RelayConnection, SampleCall, ServerStatus,
};
use sidekick_desk::export::{
    BillFilters, DataType, ExportAuditEntry, ExportForm, ExportJobView, ExportSettings, ExportView, JobState, ReceiverStatus, Role, RowKind,
    RowPage, RowQuery,
};
use sidekick_desk::takeover::{
    ComponentForm, ComponentResult, FileLinkView, TakeoverLink, TakeoverPanel, TakeoverPhase, TakeoverSession, TakeoverSettings, TakeoverView,
    UploadForm, UploadTarget,
};
use sidekick_desk::hotkeys::{HotkeyAction, HotkeyView};
use sidekick_desk::settings::DesktopSettings;
use sidekick_desk::update::UpdateView;
use sidekick_desk::policy::PolicyView;
use sidekick_desk::*;
use sidekick_interactive::rules::{Conditions, NumberPattern, Preview, Rule, TimeOfDay, TimeWindow};
use sidekick_interactive::Action;
use ts_rs::TS;

use crate::error::IpcError;

/// One command's signature in TypeScript terms.
#[derive(Debug)]
pub struct CommandSig {
    /// The command name as invoked.
    pub name: &'static str,
    /// Argument names (camelCase, as Tauri expects them) and their TypeScript types.
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type of a successful result.
    pub result: String,
    /// Whether the command can fail with an [`IpcError`].
    pub fallible: bool,
}

/// Every command the shell registers. Keep in step with `commands::handler`; the shell test
/// invokes each of these names to prove it.
pub fn commands() -> Vec<CommandSig> {
    let sig = |name, args: Vec<(&'static str, String)>, result: String, fallible| CommandSig { name, args, result, fallible };
    vec![
        sig("get_snapshot", vec![], DeskSnapshot::name(), false),
        sig("sign_in", vec![("form", SignInForm::name())], DeskSnapshot::name(), true),
        sig("sign_out", vec![], DeskSnapshot::name(), true),
        sig("start_demo", vec![], DeskSnapshot::name(), true),
        sig("set_agent_state", vec![("choice", StateChoice::name())], DeskSnapshot::name(), true),
        sig("answer_call", vec![], DeskSnapshot::name(), true),
        sig("hold_call", vec![], DeskSnapshot::name(), true),
        sig("unhold_call", vec![], DeskSnapshot::name(), true),
        sig("hang_up", vec![], DeskSnapshot::name(), true),
        sig("get_settings", vec![], SettingsView::name(), true),
        sig("set_language", vec![("language", Language::name())], SettingsView::name(), true),
        sig("forget_password", vec![], SettingsView::name(), true),
        sig("diagnostics", vec![], "string".into(), true),
        sig("window_shown", vec![], "null".into(), false),
        sig("look_for_update", vec![], SettingsView::name(), true),
        sig("install_update", vec![], "null".into(), true),
        sig("save_desktop_settings", vec![("desktop", DesktopSettings::name())], SettingsView::name(), true),
        sig("save_hotkeys", vec![("hotkeys", format!("Partial<Record<{}, string>>", HotkeyAction::name()))], SettingsView::name(), true),
        sig("attach_note", vec![("callId", "string".into()), ("text", "string".into())], DeskSnapshot::name(), true),
        sig("call_history", vec![], format!("Array<{}>", HistoryCall::name()), true),
        sig("set_call_data_key", vec![("key", "string".into())], SettingsView::name(), true),
        sig("forget_call_data_key", vec![], SettingsView::name(), true),
        sig("start_recording", vec![], DeskSnapshot::name(), true),
        sig("stop_recording", vec![], DeskSnapshot::name(), true),
        sig("recording_audit", vec![], format!("Array<{}>", AuditEntry::name()), true),
        sig("export_recording_audit", vec![], "string".into(), true),
        sig("set_odfs_secret", vec![("secret", "string".into())], SettingsView::name(), true),
        sig("forget_odfs_secret", vec![], SettingsView::name(), true),
        sig("save_call_interactive", vec![("settings", InteractiveSettings::name())], SettingsView::name(), true),
        sig(
            "preview_call_interactive",
            vec![("rules", format!("Array<{}>", Rule::name())), ("sample", SampleCall::name())],
            Preview::name(),
            true,
        ),
        sig("call_interactive_address", vec![], "string".into(), true),
        sig("renew_call_interactive_token", vec![], SettingsView::name(), true),
        sig("dismiss_ivr_pop", vec![("callId", "string".into())], DeskSnapshot::name(), false),
        sig("set_relay_key", vec![("key", "string".into())], SettingsView::name(), true),
        sig("forget_relay_key", vec![], SettingsView::name(), true),
        sig("set_role", vec![("role", Role::name())], SettingsView::name(), true),
        sig("save_export_settings", vec![("settings", ExportSettings::name())], SettingsView::name(), true),
        sig("set_ccfs_sk", vec![("sk", "string".into())], SettingsView::name(), true),
        sig("forget_ccfs_sk", vec![], SettingsView::name(), true),
        sig("request_export", vec![("form", ExportForm::name())], format!("Array<{}>", ExportJobView::name()), true),
        sig("retry_export", vec![("job", "number".into())], format!("Array<{}>", ExportJobView::name()), true),
        sig("export_rows", vec![("query", RowQuery::name())], RowPage::name(), true),
        sig("export_csv", vec![("query", RowQuery::name())], "string".into(), true),
        sig("export_audit", vec![], format!("Array<{}>", ExportAuditEntry::name()), true),
        sig("save_takeover_settings", vec![("settings", TakeoverSettings::name())], SettingsView::name(), true),
        sig("set_era_token", vec![("token", "string".into())], SettingsView::name(), true),
        sig("forget_era_token", vec![], SettingsView::name(), true),
        sig("take_control", vec![("ivrid", "string".into())], DeskSnapshot::name(), true),
        sig("hand_back", vec![("ivrid", "string".into())], DeskSnapshot::name(), true),
        sig("run_component", vec![("ivrid", "string".into()), ("component", ComponentForm::name())], DeskSnapshot::name(), true),
        sig("stop_component", vec![("ivrid", "string".into())], DeskSnapshot::name(), true),
        sig("ivr_file_link", vec![("ivrid", "string".into()), ("path", "string".into())], FileLinkView::name(), true),
        sig("ivr_upload", vec![("form", UploadForm::name())], "string".into(), true),
    ]
}

/// The whole generated file.
pub fn typescript() -> String {
    let decls = [
        DeskSnapshot::decl(),
        SessionView::decl(),
        SessionPhase::decl(),
        AgentState::decl(),
        Health::decl(),
        Notice::decl(),
        BusyReason::decl(),
        CallNotes::decl(),
        NoteView::decl(),
        Delivery::decl(),
        HistoryCall::decl(),
        RecordingView::decl(),
        RecordingPath::decl(),
        RecordingState::decl(),
        AuditEntry::decl(),
        AuditAction::decl(),
        AuditOutcome::decl(),
        ErrorCode::decl(),
        CallView::decl(),
        CallState::decl(),
        Direction::decl(),
        EndedBy::decl(),
        CallActions::decl(),
        StateChoice::decl(),
        SettingsView::decl(),
        PolicyView::decl(),
        Language::decl(),
        SignInForm::decl(),
        IpcError::decl(),
        InteractiveSettings::decl(),
        InteractiveView::decl(),
        ServerStatus::decl(),
        SampleCall::decl(),
        IvrPop::decl(),
        IvrAnswer::decl(),
        RelayConnection::decl(),
        Rule::decl(),
        Conditions::decl(),
        NumberPattern::decl(),
        TimeWindow::decl(),
        TimeOfDay::decl(),
        Action::decl(),
        Preview::decl(),
        Role::decl(),
        ExportSettings::decl(),
        ExportView::decl(),
        ReceiverStatus::decl(),
        BillFilters::decl(),
        DataType::decl(),
        ExportForm::decl(),
        JobState::decl(),
        ExportJobView::decl(),
        RowKind::decl(),
        RowQuery::decl(),
        RowPage::decl(),
        ExportAuditEntry::decl(),
        TakeoverSettings::decl(),
        TakeoverView::decl(),
        TakeoverPanel::decl(),
        TakeoverLink::decl(),
        TakeoverPhase::decl(),
        TakeoverSession::decl(),
        ComponentResult::decl(),
        ComponentForm::decl(),
        UploadTarget::decl(),
        UploadForm::decl(),
        FileLinkView::decl(),
        DesktopSettings::decl(),
        HotkeyAction::decl(),
        HotkeyView::decl(),
        UpdateView::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p sidekick bindings_are_current` to regenerate.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str("/** Every backend command: its arguments and its result. Failures reject with an IpcError. */\n");
    out.push_str("export interface Commands {\n");
    for c in commands() {
        let args = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>().join("; ");
        let args = if args.is_empty() { "Record<string, never>".to_owned() } else { format!("{{ {args} }}") };
        out.push_str(&format!("  {}: {{ args: {args}; result: {}; fallible: {} }};\n", c.name, c.result, c.fallible));
    }
    out.push_str("}\n\n");
    out.push_str("/** Event names the backend emits, with their payloads. */\n");
    out.push_str(&format!(
        "export const EVENTS = {{ snapshot: \"{}\", hotkey: \"{}\" }} as const;\n",
        crate::events::SNAPSHOT,
        crate::hotkeys::HOTKEY_EVENT
    ));
    out.push_str("export interface EventPayloads {\n");
    out.push_str(&format!("  \"{}\": {};\n", crate::events::SNAPSHOT, DeskSnapshot::name()));
    out.push_str(&format!("  \"{}\": {};\n", crate::hotkeys::HOTKEY_EVENT, HotkeyAction::name()));
    out.push_str("}\n");
    out
}

//! Commands, one file per area. Each is args → desk → `Result<_, IpcError>` and nothing more.

mod call;
mod export;
mod interactive;
mod notes;
mod recording;
mod session;
mod settings;
mod takeover;

/// Every command, for the invoke handler. Keep in step with [`crate::bindings::COMMANDS`].
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        session::get_snapshot,
        session::sign_in,
        session::sign_out,
        session::start_demo,
        session::set_agent_state,
        call::answer_call,
        call::hold_call,
        call::unhold_call,
        call::hang_up,
        settings::get_settings,
        settings::set_language,
        settings::forget_password,
        settings::save_desktop_settings,
        settings::save_hotkeys,
        settings::diagnostics,
        settings::window_shown,
        settings::look_for_update,
        settings::install_update,
        notes::attach_note,
        notes::call_history,
        notes::set_call_data_key,
        notes::forget_call_data_key,
        recording::start_recording,
        recording::stop_recording,
        recording::recording_audit,
        recording::export_recording_audit,
        recording::set_odfs_secret,
        recording::forget_odfs_secret,
        interactive::save_call_interactive,
        interactive::preview_call_interactive,
        interactive::call_interactive_address,
        interactive::renew_call_interactive_token,
        interactive::dismiss_ivr_pop,
        interactive::set_relay_key,
        interactive::forget_relay_key,
        export::set_role,
        export::save_export_settings,
        export::set_ccfs_sk,
        export::forget_ccfs_sk,
        export::request_export,
        export::retry_export,
        export::export_rows,
        export::export_csv,
        export::export_audit,
        takeover::save_takeover_settings,
        takeover::set_era_token,
        takeover::forget_era_token,
        takeover::take_control,
        takeover::hand_back,
        takeover::run_component,
        takeover::stop_component,
        takeover::ivr_file_link,
        takeover::ivr_upload,
    ]
}

//! The administrator's policy: a read-only JSON file in a system location that sets settings and
//! locks them, so an agent cannot point the app at another gateway or turn a supervisor on.
//!
//! - Linux: `/etc/sidekick/policy.json`
//! - Windows: `%ProgramData%\Sidekick\policy.json`
//! - macOS: `/Library/Application Support/Sidekick/policy.json`
//!
//! A missing file is no policy. A file that cannot be read, is not JSON or is not an object is
//! ignored whole, with one problem naming the file and the parser's line and column. Otherwise each
//! field is read on its own: one of the wrong type, with a value the settings would refuse, or
//! unknown, is ignored with a problem, and the others still apply. Problems are shown in Settings
//! and logged; a policy never stops the app.
//!
//! The desk reads every setting through [`Policy::apply`], so a locked value wins everywhere; a
//! save that would change a locked value is refused ([`PolicyLoad::check`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sidekick_aicc::odfs::RecordRequest;
use ts_rs::TS;

use crate::error::DeskError;
use crate::export::{ExportSettings, Role};
use crate::recording::RecordingPath;
use crate::settings::StoredSettings;
use crate::takeover::TakeoverSettings;

/// The policy file's name, in the system location of each OS.
pub const FILE_NAME: &str = "policy.json";

/// What a policy file sets. Every field is optional; a field that is set is locked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policy {
    /// The gateway address agents sign in to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_url: Option<String>,
    /// A PEM file of extra CA certificates for the gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_ca_bundle: Option<PathBuf>,
    /// The SHA-256 fingerprint the gateway's certificate must have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_cert_pin: Option<String>,
    /// The ODFS (OIAP) address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odfs_url: Option<String>,
    /// The tenant id sent as ODFS `appKey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odfs_app_key: Option<String>,
    /// The flow access code sent as `call_dst_id` (at most 20 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odfs_flow_access_code: Option<String>,
    /// How calls are recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_path: Option<RecordingPath>,
    /// The CC-FS address of the supervisor's export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ccfs_url: Option<String>,
    /// The address CC-FS calls back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Where the callback receiver listens (`address:port`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_listen: Option<String>,
    /// The Era/Incoplax token API for IVR takeover (`wss://`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub era_url: Option<String>,
    /// The roles a user may choose (never empty once read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_roles: Option<Vec<Role>>,
    /// The app does not look for updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updates_disabled: Option<bool>,
    /// Where the app looks for updates (`https://`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_endpoint: Option<String>,
}

/// A policy as read from its file, with what was wrong in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLoad {
    /// The fields that were read and are valid.
    pub policy: Policy,
    /// One sentence per problem (the file, or a field that was ignored).
    pub problems: Vec<String>,
    /// Where the policy was looked for.
    pub path: PathBuf,
    /// Whether a file is there (even one that could not be used).
    pub found: bool,
}

/// The policy part of the settings page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// Where the policy file is looked for.
    pub path: String,
    /// Whether a policy file is there.
    pub found: bool,
    /// The camelCase names of the settings it locks, as in the file.
    pub locked: Vec<String>,
    /// What was wrong in the file, one sentence each (those parts are ignored).
    pub problems: Vec<String>,
    /// The administrator turned update checks off.
    pub updates_disabled: bool,
}

/// Where the policy file is on this OS.
#[cfg(windows)]
pub fn system_path() -> PathBuf {
    let base = std::env::var_os("ProgramData").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
    base.join("Sidekick").join(FILE_NAME)
}

/// Where the policy file is on this OS.
#[cfg(target_os = "macos")]
pub fn system_path() -> PathBuf {
    PathBuf::from("/Library/Application Support/Sidekick").join(FILE_NAME)
}

/// Where the policy file is on this OS.
#[cfg(not(any(windows, target_os = "macos")))]
pub fn system_path() -> PathBuf {
    PathBuf::from("/etc/sidekick").join(FILE_NAME)
}

/// Reads the policy at `path`. Never fails: what is wrong is in [`PolicyLoad::problems`].
pub fn load(path: &Path) -> PolicyLoad {
    let mut out = PolicyLoad::none(path);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.found = true;
            out.problems.push(format!("{} could not be read ({e}); the policy is ignored", path.display()));
            return out;
        }
    };
    out.found = true;
    match serde_json::from_slice::<Value>(&bytes) {
        Err(e) => out.problems.push(format!("{} is not valid JSON ({e}); the policy is ignored", path.display())),
        Ok(Value::Object(map)) => {
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| FILE_NAME.to_owned());
            (out.policy, out.problems) = Policy::from_object(&map, &file);
        }
        Ok(other) => out.problems.push(format!(
            "{} must hold a JSON object ({{ \"key\": value, … }}), not {}; the policy is ignored",
            path.display(),
            kind(&other)
        )),
    }
    out
}

impl PolicyLoad {
    /// No policy: nothing at `path`.
    pub fn none(path: &Path) -> Self {
        Self { policy: Policy::default(), problems: Vec::new(), path: path.to_owned(), found: false }
    }

    /// What the settings page shows.
    pub fn view(&self) -> PolicyView {
        PolicyView {
            path: self.path.display().to_string(),
            found: self.found,
            locked: self.policy.locked().into_iter().map(str::to_owned).collect(),
            problems: self.problems.clone(),
            updates_disabled: self.policy.updates_disabled.unwrap_or(false),
        }
    }

    /// Refuses settings that change a locked value (or choose a role that is not allowed), with a
    /// sentence naming the setting and the policy file.
    pub fn check(&self, wanted: &StoredSettings) -> Result<(), DeskError> {
        match self.policy.conflict(wanted) {
            Some(key) => Err(self.refusal(key)),
            None => Ok(()),
        }
    }

    /// The refusal for changing the setting `key` (a camelCase policy key).
    pub fn refusal(&self, key: &str) -> DeskError {
        DeskError::Invalid(format!(
            "{} is set by your administrator's policy ({}) and cannot be changed here",
            field_name(key),
            self.path.display()
        ))
    }
}

/// A setting's name in a sentence, by its policy key.
pub fn field_name(key: &str) -> &'static str {
    match key {
        "gatewayUrl" => "The gateway address",
        "gatewayCaBundle" => "The gateway CA bundle",
        "gatewayCertPin" => "The gateway certificate pin",
        "odfsUrl" => "The ODFS address",
        "odfsAppKey" => "The ODFS app key",
        "odfsFlowAccessCode" => "The ODFS flow access code",
        "recordingPath" => "The recording path",
        "ccfsUrl" => "The CC-FS address",
        "callbackUrl" => "The callback address",
        "callbackListen" => "The callback listen address",
        "eraUrl" => "The IVR platform's address",
        "allowedRoles" => "The role",
        "updatesDisabled" => "Update checks",
        "updateEndpoint" => "The update address",
        _ => "This setting",
    }
}

impl Policy {
    /// Reads each field of `map` on its own; `file` names the file in the problems.
    pub fn from_object(map: &Map<String, Value>, file: &str) -> (Policy, Vec<String>) {
        let mut p = Policy::default();
        let mut problems = Vec::new();
        for (key, value) in map {
            let read = match key.as_str() {
                _ if value.is_null() && KEYS.contains(&key.as_str()) => Ok(()),
                "gatewayUrl" => text(value).and_then(|s| check_gateway_url(&s).map(|()| p.gateway_url = Some(s))),
                "gatewayCaBundle" => text(value).and_then(|s| check_ca_bundle(Path::new(&s)).map(|()| p.gateway_ca_bundle = Some(s.into()))),
                "gatewayCertPin" => text(value).and_then(|s| {
                    sidekick_aicc::tls::parse_pin(&s).map_err(|e| not_valid(&e.to_string()))?;
                    p.gateway_cert_pin = Some(s);
                    Ok(())
                }),
                "odfsUrl" => text(value).and_then(|s| check_base_url(&s, "the ODFS address").map(|()| p.odfs_url = Some(s))),
                "odfsAppKey" => text(value).map(|s| p.odfs_app_key = Some(s)),
                "odfsFlowAccessCode" => text(value).and_then(|s| {
                    let count = s.chars().count();
                    if count > RecordRequest::CALL_DST_ID_MAX {
                        return Err(format!("is {count} characters; at most {}", RecordRequest::CALL_DST_ID_MAX));
                    }
                    p.odfs_flow_access_code = Some(s);
                    Ok(())
                }),
                "recordingPath" => serde_json::from_value::<RecordingPath>(value.clone())
                    .map(|r| p.recording_path = Some(r))
                    .map_err(|_| format!("must be \"odfs\" or \"gateway\", not {value}")),
                "ccfsUrl" => text(value).and_then(|s| {
                    export_checked(ExportSettings { ccfs_url: Some(s), ..Default::default() }).map(|e| p.ccfs_url = e.ccfs_url)
                }),
                "callbackUrl" => text(value).and_then(|s| {
                    export_checked(ExportSettings { callback_url: Some(s), ..Default::default() }).map(|e| p.callback_url = e.callback_url)
                }),
                "callbackListen" => text(value).and_then(|s| {
                    export_checked(ExportSettings { callback_listen: Some(s), ..Default::default() })
                        .map(|e| p.callback_listen = e.callback_listen)
                }),
                "eraUrl" => text(value).and_then(|s| {
                    crate::takeover::api::checked(TakeoverSettings { url: Some(s), ..Default::default() })
                        .map(|t| p.era_url = t.url)
                        .map_err(|e| not_valid(&e.to_string()))
                }),
                "allowedRoles" => roles(value).map(|r| p.allowed_roles = Some(r)),
                "updatesDisabled" => match value {
                    Value::Bool(b) => {
                        p.updates_disabled = Some(*b);
                        Ok(())
                    }
                    other => Err(format!("must be true or false, not {}", kind(other))),
                },
                "updateEndpoint" => text(value).and_then(|s| {
                    let ok = url::Url::parse(&s).is_ok_and(|u| u.scheme() == "https" && u.host().is_some());
                    if !ok {
                        return Err("must be an https:// address".into());
                    }
                    p.update_endpoint = Some(s);
                    Ok(())
                }),
                _ => Err(String::new()),
            };
            match read {
                Ok(()) => {}
                Err(_) if !KEYS.contains(&key.as_str()) => problems.push(format!("{file}: unknown field \"{key}\" — ignored")),
                Err(why) => problems.push(format!("{file}: \"{key}\" {why} — ignored")),
            }
        }
        (p, problems)
    }

    /// `stored` with the locked values in place of its own; a role that is not allowed becomes
    /// the first allowed one.
    pub fn apply(&self, mut s: StoredSettings) -> StoredSettings {
        fn set<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
            if let Some(v) = value {
                *slot = Some(v.clone());
            }
        }
        set(&mut s.gateway_url, &self.gateway_url);
        set(&mut s.gateway_ca_bundle, &self.gateway_ca_bundle);
        set(&mut s.gateway_cert_pin, &self.gateway_cert_pin);
        set(&mut s.odfs_url, &self.odfs_url);
        set(&mut s.odfs_app_key, &self.odfs_app_key);
        set(&mut s.odfs_flow_access_code, &self.odfs_flow_access_code);
        set(&mut s.recording_path, &self.recording_path);
        set(&mut s.export.ccfs_url, &self.ccfs_url);
        set(&mut s.export.callback_url, &self.callback_url);
        set(&mut s.export.callback_listen, &self.callback_listen);
        set(&mut s.takeover.url, &self.era_url);
        if let Some(first) = self.allowed_roles.as_ref().filter(|r| !r.contains(&s.role)).and_then(|r| r.first()) {
            s.role = *first;
        }
        s
    }

    /// `wanted` with the locked fields put back to `own` (what the user's settings file holds),
    /// so the file keeps the user's values and they return if the policy goes.
    pub fn keep_own(&self, mut wanted: StoredSettings, own: &StoredSettings) -> StoredSettings {
        fn keep<T: Clone, U>(slot: &mut Option<T>, own: &Option<T>, lock: &Option<U>) {
            if lock.is_some() {
                *slot = own.clone();
            }
        }
        keep(&mut wanted.gateway_url, &own.gateway_url, &self.gateway_url);
        keep(&mut wanted.gateway_ca_bundle, &own.gateway_ca_bundle, &self.gateway_ca_bundle);
        keep(&mut wanted.gateway_cert_pin, &own.gateway_cert_pin, &self.gateway_cert_pin);
        keep(&mut wanted.odfs_url, &own.odfs_url, &self.odfs_url);
        keep(&mut wanted.odfs_app_key, &own.odfs_app_key, &self.odfs_app_key);
        keep(&mut wanted.odfs_flow_access_code, &own.odfs_flow_access_code, &self.odfs_flow_access_code);
        keep(&mut wanted.recording_path, &own.recording_path, &self.recording_path);
        keep(&mut wanted.export.ccfs_url, &own.export.ccfs_url, &self.ccfs_url);
        keep(&mut wanted.export.callback_url, &own.export.callback_url, &self.callback_url);
        keep(&mut wanted.export.callback_listen, &own.export.callback_listen, &self.callback_listen);
        keep(&mut wanted.takeover.url, &own.takeover.url, &self.era_url);
        wanted
    }

    /// The first locked setting `wanted` changes (its policy key), or a role that is not allowed.
    pub fn conflict(&self, wanted: &StoredSettings) -> Option<&'static str> {
        fn differs<T: PartialEq>(have: &Option<T>, lock: &Option<T>) -> bool {
            lock.as_ref().is_some_and(|l| have.as_ref() != Some(l))
        }
        let checks = [
            ("gatewayUrl", differs(&wanted.gateway_url, &self.gateway_url)),
            ("gatewayCaBundle", differs(&wanted.gateway_ca_bundle, &self.gateway_ca_bundle)),
            ("gatewayCertPin", differs(&wanted.gateway_cert_pin, &self.gateway_cert_pin)),
            ("odfsUrl", differs(&wanted.odfs_url, &self.odfs_url)),
            ("odfsAppKey", differs(&wanted.odfs_app_key, &self.odfs_app_key)),
            ("odfsFlowAccessCode", differs(&wanted.odfs_flow_access_code, &self.odfs_flow_access_code)),
            ("recordingPath", differs(&wanted.recording_path, &self.recording_path)),
            ("ccfsUrl", differs(&wanted.export.ccfs_url, &self.ccfs_url)),
            ("callbackUrl", differs(&wanted.export.callback_url, &self.callback_url)),
            ("callbackListen", differs(&wanted.export.callback_listen, &self.callback_listen)),
            ("eraUrl", differs(&wanted.takeover.url, &self.era_url)),
            ("allowedRoles", self.allowed_roles.as_ref().is_some_and(|r| !r.contains(&wanted.role))),
        ];
        checks.into_iter().find(|(_, conflict)| *conflict).map(|(key, _)| key)
    }

    /// Whether `url` is the gateway address the policy sets (as addresses, so a trailing `/`
    /// does not matter); `true` when the policy sets none.
    pub fn allows_gateway(&self, url: &url::Url) -> bool {
        match &self.gateway_url {
            Some(locked) => url::Url::parse(locked.trim()).is_ok_and(|l| &l == url),
            None => true,
        }
    }

    /// The camelCase names of the settings this policy locks, in the order of the file's schema.
    pub fn locked(&self) -> Vec<&'static str> {
        let set = [
            ("gatewayUrl", self.gateway_url.is_some()),
            ("gatewayCaBundle", self.gateway_ca_bundle.is_some()),
            ("gatewayCertPin", self.gateway_cert_pin.is_some()),
            ("odfsUrl", self.odfs_url.is_some()),
            ("odfsAppKey", self.odfs_app_key.is_some()),
            ("odfsFlowAccessCode", self.odfs_flow_access_code.is_some()),
            ("recordingPath", self.recording_path.is_some()),
            ("ccfsUrl", self.ccfs_url.is_some()),
            ("callbackUrl", self.callback_url.is_some()),
            ("callbackListen", self.callback_listen.is_some()),
            ("eraUrl", self.era_url.is_some()),
            ("allowedRoles", self.allowed_roles.is_some()),
            ("updatesDisabled", self.updates_disabled.is_some()),
            ("updateEndpoint", self.update_endpoint.is_some()),
        ];
        set.into_iter().filter(|(_, on)| *on).map(|(key, _)| key).collect()
    }
}

/// Every key of the file.
const KEYS: [&str; 14] = [
    "gatewayUrl",
    "gatewayCaBundle",
    "gatewayCertPin",
    "odfsUrl",
    "odfsAppKey",
    "odfsFlowAccessCode",
    "recordingPath",
    "ccfsUrl",
    "callbackUrl",
    "callbackListen",
    "eraUrl",
    "allowedRoles",
    "updatesDisabled",
    "updateEndpoint",
];

/// What kind of JSON value `v` is, for a sentence.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A field's text, trimmed; not empty.
fn text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) if s.trim().is_empty() => Err("is empty".into()),
        Value::String(s) => Ok(s.trim().to_owned()),
        other => Err(format!("must be a string, not {}", kind(other))),
    }
}

/// A check's sentence, as the tail of a problem.
fn not_valid(sentence: &str) -> String {
    let mut c = sentence.chars();
    let lowered = match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    };
    format!("is not valid: {lowered}")
}

/// The export's own check of its settings.
fn export_checked(s: ExportSettings) -> Result<ExportSettings, String> {
    crate::export::api::checked(s).map_err(|e| not_valid(&e.to_string()))
}

/// The platform clients' rule for a base address: `https://`, plain `http` only on loopback.
fn check_base_url(text: &str, what: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("is not an address ({e})"))?;
    sidekick_aicc::check_base_url(url, what).map(drop).map_err(|e| not_valid(&e))
}

/// The sign-in form's check of the gateway address, then the gateway client's.
fn check_gateway_url(text: &str) -> Result<(), String> {
    crate::desk::gateway_address(text).map_err(|e| not_valid(&e.to_string()))?;
    check_base_url(text, "the gateway address")
}

/// The gateway's CA bundle must be there and hold PEM certificates, as at sign-in.
fn check_ca_bundle(path: &Path) -> Result<(), String> {
    let pem = std::fs::read(path).map_err(|e| format!("names {}, which could not be read ({e})", path.display()))?;
    let trust = sidekick_aicc::tls::TlsTrust { ca_bundle_pem: Some(pem), pin_sha256: None };
    sidekick_aicc::tls::client_config(&trust).map(drop).map_err(|e| not_valid(&e.to_string()))
}

/// A non-empty list of known roles, without repeats.
fn roles(v: &Value) -> Result<Vec<Role>, String> {
    let Value::Array(items) = v else {
        return Err(format!("must be a list of roles, like [\"agent\"], not {}", kind(v)));
    };
    let mut out = Vec::new();
    for item in items {
        let role = serde_json::from_value::<Role>(item.clone())
            .map_err(|_| format!("names an unknown role {item}; the roles are \"agent\" and \"supervisor\""))?;
        if !out.contains(&role) {
            out.push(role);
        }
    }
    if out.is_empty() {
        return Err("must name at least one role (\"agent\", \"supervisor\")".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        path
    }

    const PIN: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    #[test]
    fn a_missing_file_is_no_policy_and_no_problem() {
        let dir = tempfile::tempdir().unwrap();
        let load = load(&dir.path().join(FILE_NAME));
        assert!(!load.found);
        assert!(load.problems.is_empty());
        assert_eq!(load.policy, Policy::default());
        assert!(load.policy.locked().is_empty());
        assert_eq!(load.view().path, dir.path().join(FILE_NAME).display().to_string());
    }

    #[test]
    fn a_valid_file_sets_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            &format!(
                r#"{{
                "gatewayUrl": "https://cc.example.com:8043",
                "gatewayCertPin": "{PIN}",
                "odfsUrl": "https://oiap.example.com:18443/",
                "odfsAppKey": "tenant-1",
                "odfsFlowAccessCode": " 10086 ",
                "recordingPath": "odfs",
                "ccfsUrl": "https://ccfs.example.com:28443/",
                "callbackUrl": "https://sidekick.example.com:8443/ccfs/callback",
                "callbackListen": "0.0.0.0:8443",
                "eraUrl": "wss://era.example.com/ws/token/v1",
                "allowedRoles": ["agent"],
                "updatesDisabled": true,
                "updateEndpoint": "https://updates.example.com/sidekick.json"
            }}"#
            ),
        );
        let load = load(&path);
        assert!(load.found);
        assert_eq!(load.problems, Vec::<String>::new());
        let p = &load.policy;
        assert_eq!(p.gateway_url.as_deref(), Some("https://cc.example.com:8043"));
        assert_eq!(p.gateway_cert_pin.as_deref(), Some(PIN));
        assert_eq!(p.odfs_flow_access_code.as_deref(), Some("10086"), "trimmed");
        assert_eq!(p.recording_path, Some(RecordingPath::Odfs));
        assert_eq!(p.callback_listen.as_deref(), Some("0.0.0.0:8443"));
        assert_eq!(p.era_url.as_deref(), Some("wss://era.example.com/ws/token/v1"));
        assert_eq!(p.allowed_roles, Some(vec![Role::Agent]));
        assert_eq!(p.updates_disabled, Some(true));
        assert_eq!(
            p.locked(),
            vec![
                "gatewayUrl",
                "gatewayCertPin",
                "odfsUrl",
                "odfsAppKey",
                "odfsFlowAccessCode",
                "recordingPath",
                "ccfsUrl",
                "callbackUrl",
                "callbackListen",
                "eraUrl",
                "allowedRoles",
                "updatesDisabled",
                "updateEndpoint"
            ]
        );
        let view = load.view();
        assert!(view.found && view.updates_disabled);
        assert_eq!(view.locked.len(), 13);
    }

    #[test]
    fn invalid_json_is_ignored_whole_with_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "{\n  \"gatewayUrl\": \"https://cc.example.com\"\n  \"odfsUrl\": \"https://o.example.com\"\n}");
        let load = load(&path);
        assert!(load.found);
        assert_eq!(load.policy, Policy::default());
        assert_eq!(load.problems.len(), 1, "{:?}", load.problems);
        let p = &load.problems[0];
        assert!(p.starts_with(&path.display().to_string()), "{p}");
        assert!(p.contains("is not valid JSON (expected `,` or `}` at line 3 column 3)"), "{p}");
        assert!(p.ends_with("the policy is ignored"), "{p}");
    }

    #[test]
    fn a_file_that_is_not_an_object_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let load = load(&write(dir.path(), r#"["gatewayUrl"]"#));
        assert_eq!(load.policy, Policy::default());
        assert_eq!(load.problems.len(), 1);
        assert!(load.problems[0].contains("must hold a JSON object"), "{:?}", load.problems);
        assert!(load.problems[0].contains("not a list"), "{:?}", load.problems);
    }

    #[test]
    fn a_partly_invalid_file_keeps_the_good_fields_and_names_each_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            r#"{
                "gatewayUrl": "http://cc.example.com:8043",
                "gatewayCertPin": "abc",
                "gatewayCaBundle": "/nonexistent/sidekick-ca.pem",
                "odfsUrl": "https://oiap.example.com:18443/",
                "odfsAppKey": 42,
                "odfsFlowAccessCode": "123456789012345678901234",
                "recordingPath": "tape",
                "ccfsUrl": "ftp://ccfs.example.com/",
                "callbackUrl": "http://sidekick.example.com/ccfs/callback",
                "callbackListen": "everywhere",
                "eraUrl": "ws://era.example.com/ws/token/v1",
                "allowedRoles": ["agent", "admin"],
                "updatesDisabled": "yes",
                "updateEndpoint": "http://updates.example.com/",
                "theme": "dark"
            }"#,
        );
        let load = load(&path);
        assert!(load.found);
        assert_eq!(
            load.policy,
            Policy { odfs_url: Some("https://oiap.example.com:18443/".into()), ..Default::default() },
            "only the one good field is kept"
        );
        assert_eq!(load.policy.locked(), vec!["odfsUrl"]);
        let problem = |key: &str| {
            let head = format!("policy.json: \"{key}\" ");
            load.problems.iter().find(|p| p.starts_with(&head)).cloned().unwrap_or_else(|| panic!("no problem for {key}: {:?}", load.problems))
        };
        assert_eq!(problem("odfsFlowAccessCode"), "policy.json: \"odfsFlowAccessCode\" is 24 characters; at most 20 — ignored");
        assert_eq!(problem("odfsAppKey"), "policy.json: \"odfsAppKey\" must be a string, not a number — ignored");
        assert_eq!(problem("recordingPath"), "policy.json: \"recordingPath\" must be \"odfs\" or \"gateway\", not \"tape\" — ignored");
        assert_eq!(problem("updatesDisabled"), "policy.json: \"updatesDisabled\" must be true or false, not a string — ignored");
        assert!(problem("gatewayUrl").contains("must start with https://"), "{}", problem("gatewayUrl"));
        assert!(problem("gatewayCertPin").contains("64 hexadecimal digits"), "{}", problem("gatewayCertPin"));
        assert!(problem("gatewayCaBundle").contains("/nonexistent/sidekick-ca.pem, which could not be read"), "{}", problem("gatewayCaBundle"));
        assert!(problem("ccfsUrl").contains("must start with https://, not ftp://"), "{}", problem("ccfsUrl"));
        assert!(problem("callbackUrl").contains("must start with https://"), "{}", problem("callbackUrl"));
        assert!(problem("callbackListen").contains("\"everywhere\" is not an address to listen on"), "{}", problem("callbackListen"));
        assert!(problem("eraUrl").contains("must use wss://"), "{}", problem("eraUrl"));
        assert!(problem("allowedRoles").contains("unknown role \"admin\""), "{}", problem("allowedRoles"));
        assert!(problem("updateEndpoint").contains("https://"), "{}", problem("updateEndpoint"));
        assert!(load.problems.iter().all(|p| p.ends_with(" — ignored")), "{:?}", load.problems);
        assert_eq!(load.problems.len(), 14, "{:#?}", load.problems);
    }

    #[test]
    fn unknown_fields_are_reported_and_null_is_not_set() {
        let dir = tempfile::tempdir().unwrap();
        let load = load(&write(dir.path(), r#"{"eraUrl": "ws://127.0.0.1:9000/ws/token/v1", "gatewayURL": "https://x", "odfsUrl": null}"#));
        assert_eq!(load.problems, vec!["policy.json: unknown field \"gatewayURL\" — ignored".to_owned()]);
        assert_eq!(load.policy.era_url.as_deref(), Some("ws://127.0.0.1:9000/ws/token/v1"), "ws:// to this computer is allowed");
        assert_eq!(load.policy.odfs_url, None);
    }

    #[test]
    fn loopback_http_is_allowed_for_the_simulators() {
        let map = serde_json::json!({"gatewayUrl": "http://127.0.0.1:8043", "odfsUrl": "http://localhost:9000/", "ccfsUrl": "http://127.0.0.1:9100/"});
        let (p, problems) = Policy::from_object(map.as_object().unwrap(), FILE_NAME);
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(p.locked(), vec!["gatewayUrl", "odfsUrl", "ccfsUrl"]);
    }

    fn stored() -> StoredSettings {
        StoredSettings {
            gateway_url: Some("https://mine.example.com:8043/".into()),
            agent_id: Some(291),
            odfs_url: Some("https://my-odfs.example.com/".into()),
            role: Role::Supervisor,
            export: ExportSettings { ccfs_url: Some("https://my-ccfs.example.com/".into()), ak: Some("my-ak".into()), ..Default::default() },
            takeover: TakeoverSettings { url: Some("wss://my-era.example.com/ws".into()), token_in_path: true, agents_allowed: false },
            ..Default::default()
        }
    }

    #[test]
    fn locked_fields_win_over_stored_settings_and_the_rest_stays() {
        let policy = Policy {
            gateway_url: Some("https://cc.example.com:8043".into()),
            gateway_cert_pin: Some(PIN.into()),
            recording_path: Some(RecordingPath::Gateway),
            ccfs_url: Some("https://ccfs.example.com/".into()),
            callback_listen: Some("0.0.0.0:9443".into()),
            era_url: Some("wss://era.example.com/ws/token/v1".into()),
            ..Default::default()
        };
        let applied = policy.apply(stored());
        assert_eq!(applied.gateway_url.as_deref(), Some("https://cc.example.com:8043"));
        assert_eq!(applied.gateway_cert_pin.as_deref(), Some(PIN));
        assert_eq!(applied.recording_path, Some(RecordingPath::Gateway));
        assert_eq!(applied.export.ccfs_url.as_deref(), Some("https://ccfs.example.com/"));
        assert_eq!(applied.export.callback_listen.as_deref(), Some("0.0.0.0:9443"));
        assert_eq!(applied.takeover.url.as_deref(), Some("wss://era.example.com/ws/token/v1"));
        // Not locked: the user's own.
        assert_eq!(applied.odfs_url.as_deref(), Some("https://my-odfs.example.com/"));
        assert_eq!(applied.export.ak.as_deref(), Some("my-ak"));
        assert!(applied.takeover.token_in_path);
        assert_eq!(applied.agent_id, Some(291));
        assert_eq!(applied.role, Role::Supervisor, "no allowedRoles: any role");

        assert_eq!(policy.conflict(&applied), None, "the applied settings agree with the policy");
        let mut changed = applied.clone();
        changed.export.ccfs_url = Some("https://other.example.com/".into());
        assert_eq!(policy.conflict(&changed), Some("ccfsUrl"));
        let mut unlocked = applied.clone();
        unlocked.odfs_url = Some("https://other-odfs.example.com/".into());
        assert_eq!(policy.conflict(&unlocked), None);

        let kept = policy.keep_own(unlocked, &stored());
        assert_eq!(kept.gateway_url.as_deref(), Some("https://mine.example.com:8043/"), "the file keeps the user's locked values");
        assert_eq!(kept.takeover.url.as_deref(), Some("wss://my-era.example.com/ws"));
        assert_eq!(kept.odfs_url.as_deref(), Some("https://other-odfs.example.com/"), "and takes the change");

        let load = PolicyLoad { policy, problems: vec![], path: "/etc/sidekick/policy.json".into(), found: true };
        assert_eq!(
            load.check(&changed).unwrap_err().to_string(),
            "The CC-FS address is set by your administrator's policy (/etc/sidekick/policy.json) and cannot be changed here"
        );
        assert!(load.policy.allows_gateway(&url::Url::parse("https://cc.example.com:8043/").unwrap()));
        assert!(!load.policy.allows_gateway(&url::Url::parse("https://evil.example.com:8043/").unwrap()));
    }

    #[test]
    fn allowed_roles_replace_a_role_that_is_not_allowed() {
        let map = serde_json::json!({"allowedRoles": ["agent", "agent"]});
        let (agents_only, problems) = Policy::from_object(map.as_object().unwrap(), FILE_NAME);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(agents_only.allowed_roles, Some(vec![Role::Agent]), "repeats dropped");
        let applied = agents_only.apply(stored());
        assert_eq!(applied.role, Role::Agent, "a supervisor becomes the first allowed role");
        assert_eq!(agents_only.conflict(&applied), None);
        let mut wants_supervisor = applied;
        wants_supervisor.role = Role::Supervisor;
        assert_eq!(agents_only.conflict(&wants_supervisor), Some("allowedRoles"));

        let both = Policy { allowed_roles: Some(vec![Role::Agent, Role::Supervisor]), ..Default::default() };
        assert_eq!(both.apply(stored()).role, Role::Supervisor, "an allowed role stays");
        assert_eq!(both.conflict(&stored()), None);

        let map = serde_json::json!({"allowedRoles": []});
        let (empty, problems) = Policy::from_object(map.as_object().unwrap(), FILE_NAME);
        assert_eq!(empty.allowed_roles, None);
        assert_eq!(problems, vec!["policy.json: \"allowedRoles\" must name at least one role (\"agent\", \"supervisor\") — ignored".to_owned()]);
    }
}

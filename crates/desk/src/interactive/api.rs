//! What the shell calls: save the Call Interactive settings (and start or stop the server),
//! preview the answer to a sample call, the address to configure in the PBX, a new token, and
//! dismissing a screen pop.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use sidekick_interactive::rules::{preview, Preview, Rule};
use sidekick_interactive::server::path_for;
use sidekick_interactive::{AccessToken, CallInteractiveRequest};

use super::runtime::{self, check_rules, local_time_of_day};
use super::{InteractiveSettings, InteractiveView, SampleCall, ServerStatus, DEFAULT_LISTEN, RELAY_KEY_ACCOUNT, TOKEN_ACCOUNT};
use crate::desk::Desk;
use crate::error::{capitalized, DeskError};
use crate::model::{DeskSnapshot, SettingsView};

/// The longest number `{me}` may stand for.
const TRANSFER_NUMBER_MAX: usize = 32;

impl Desk {
    /// The Call Interactive part of the settings screen.
    pub(crate) fn interactive_view(&self) -> InteractiveView {
        let mut settings = self.stored_settings().call_interactive;
        let (status, demo) = self
            .inner
            .interactive
            .lock()
            .map(|s| {
                let demo = if s.demo {
                    let rules = s.rules.read().map(|r| (**r).clone()).unwrap_or_default();
                    Some((s.runtime.as_ref().map(|r| r.address.to_string()), rules))
                } else {
                    None
                };
                (s.status.clone(), demo)
            })
            .unwrap_or((ServerStatus::Off, None));
        // The demo's own server and rules show as they run (saving them keeps them).
        if let Some((address, rules)) = demo {
            settings.enabled = true;
            settings.listen = address;
            settings.rules = rules;
        }
        InteractiveView {
            my_number: self.my_number(),
            relay_key_saved: self.inner.secrets.contains(RELAY_KEY_ACCOUNT).unwrap_or(false),
            settings,
            status,
        }
    }

    /// Checks and saves the Call Interactive settings, then starts, moves or stops the server to
    /// match. Nothing is saved when a field is wrong; the error names it.
    pub async fn save_call_interactive(&self, settings: InteractiveSettings) -> Result<SettingsView, DeskError> {
        let settings = checked(settings)?;
        let mut stored = self.stored_settings();
        let relay_changed = stored.call_interactive.relay_url != settings.relay_url;
        stored.call_interactive = settings;
        self.save_settings(&stored)?;
        self.apply_call_interactive(false).await;
        if relay_changed {
            // The export's callbacks may come through the relay, or no longer.
            self.apply_export().await;
        }
        Ok(self.settings())
    }

    /// Starts, moves or stops the server as the saved settings say (at start-up, and after each
    /// save). With `new_token`, the server restarts with a fresh token.
    pub async fn apply_call_interactive(&self, new_token: bool) {
        let _op = self.inner.interactive_op.lock().await;
        let settings = self.stored_settings().call_interactive;
        let (demo, rules) = match self.inner.interactive.lock() {
            Ok(slot) => (slot.demo, slot.rules.clone()),
            Err(_) => return,
        };
        if demo && !settings.enabled {
            // The demo's own server and rules stay until the demo ends.
            return;
        }
        if let Ok(mut r) = rules.write() {
            *r = std::sync::Arc::new(settings.rules.clone());
        }
        let listen = settings.listen.clone().unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let keep = self.inner.interactive.lock().ok().is_some_and(|s| {
            !new_token && settings.enabled && s.runtime.as_ref().is_some_and(|r| r.listen == listen)
        });
        if keep {
            return;
        }
        // Stop the old server first: a new one may want its port.
        let old = self.inner.interactive.lock().ok().and_then(|mut s| s.runtime.take());
        drop(old);
        let status = if !settings.enabled {
            ServerStatus::Off
        } else {
            match self.token(new_token) {
                Err(reason) => ServerStatus::Failed { reason },
                Ok(token) => match runtime::start(self, &listen, token).await {
                    Ok(run) => {
                        let status = ServerStatus::Listening { address: run.address.to_string() };
                        if let Ok(mut s) = self.inner.interactive.lock() {
                            s.runtime = Some(run);
                            s.demo = false;
                        }
                        status
                    }
                    Err(reason) => {
                        tracing::warn!("Call Interactive server not started: {reason}");
                        ServerStatus::Failed { reason: capitalized(&reason) }
                    }
                },
            }
        };
        if let Ok(mut s) = self.inner.interactive.lock() {
            s.status = status;
        }
        drop(_op);
        self.apply_relay().await;
    }

    /// The path token from the keychain, or a new one saved there.
    fn token(&self, renew: bool) -> Result<AccessToken, String> {
        let keychain = |e: crate::secrets::SecretError| capitalized(&e.to_string());
        if !renew {
            if let Some(saved) = self.inner.secrets.get(TOKEN_ACCOUNT).map_err(keychain)? {
                match AccessToken::new(saved) {
                    Ok(token) => return Ok(token),
                    Err(_) => tracing::warn!("the Call Interactive token in the keychain is not valid; making a new one"),
                }
            }
        }
        let token = AccessToken::generate();
        self.inner.secrets.set(TOKEN_ACCOUNT, token.expose()).map_err(keychain)?;
        tracing::info!("new Call Interactive token saved in the keychain");
        Ok(token)
    }

    /// A new secret token: the address changes, and the PBX must be given the new one.
    pub async fn renew_call_interactive_token(&self) -> Result<SettingsView, DeskError> {
        if !self.stored_settings().call_interactive.enabled {
            return Err(DeskError::Invalid("Turn Call Interactive on first".into()));
        }
        self.apply_call_interactive(true).await;
        Ok(self.settings())
    }

    /// The address to configure in the IVR's Call Interactive option, secret token included: shown
    /// only when the agent asks for it.
    pub fn call_interactive_address(&self) -> Result<String, DeskError> {
        let slot = self.inner.interactive.lock().map_err(|_| DeskError::Storage("the server state is unreadable".into()))?;
        let run = slot.runtime.as_ref().ok_or_else(|| match &slot.status {
            ServerStatus::Failed { reason } => DeskError::Invalid(format!("The server is not running: {reason}")),
            _ => DeskError::Invalid("Turn Call Interactive on first".into()),
        })?;
        Ok(format!("http://{}{}", reachable(run.address), path_for(&run.token)))
    }

    /// The exact XML `sample` would get from `rules` now (or at the sample's time), and which rule
    /// gives it. The rules are checked first, so the preview also says what is wrong with them.
    pub fn preview_call_interactive(&self, rules: &[Rule], sample: &SampleCall) -> Result<Preview, DeskError> {
        check_rules(rules)?;
        let at = if sample.at.trim().is_empty() {
            local_time_of_day(self.now_ms())
        } else {
            sample.at.trim().parse().map_err(|e: sidekick_interactive::rules::TimeOfDayError| DeskError::Invalid(capitalized(&e.to_string())))?
        };
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let request = CallInteractiveRequest {
            caller_id_num: text(&sample.caller),
            called_did: text(&sample.called),
            called_number: text(&sample.called),
            ..CallInteractiveRequest::new("preview")
        };
        let history = runtime::history_of(self);
        preview(rules, &request, at, &history, self.my_number().as_deref())
            .map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))
    }

    /// Keeps the key for the relay's WebSocket in the OS keychain (write-only: only
    /// `relayKeySaved` comes back), and reconnects to the relay with it.
    pub async fn set_relay_key(&self, key: &str) -> Result<SettingsView, DeskError> {
        let key = AccessToken::new(key.trim()).map_err(|e| DeskError::Invalid(format!("Relay key: {e}")))?;
        self.inner.secrets.set(RELAY_KEY_ACCOUNT, key.expose()).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!("relay key saved in the keychain");
        self.apply_relay().await;
        Ok(self.settings())
    }

    /// Removes the relay key from the keychain; the relay connection stops.
    pub async fn forget_relay_key(&self) -> Result<SettingsView, DeskError> {
        self.inner.secrets.delete(RELAY_KEY_ACCOUNT).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!("relay key removed from the keychain");
        self.apply_relay().await;
        Ok(self.settings())
    }

    /// Takes the screen pop of `call_id` off the screen (a newer one stays).
    pub fn dismiss_ivr_pop(&self, call_id: &str) -> DeskSnapshot {
        if self.snapshot().ivr.as_ref().is_some_and(|p| p.call_id == call_id) {
            self.update(|s| {
                if s.ivr.as_ref().is_some_and(|p| p.call_id == call_id) {
                    s.ivr = None;
                }
            });
        }
        self.snapshot()
    }
}

/// The settings as they will be saved: trimmed, each field checked.
fn checked(mut settings: InteractiveSettings) -> Result<InteractiveSettings, DeskError> {
    check_rules(&settings.rules)?;
    settings.listen = settings.listen.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    if let Some(listen) = &settings.listen {
        if listen.parse::<SocketAddr>().is_err() {
            return Err(DeskError::Invalid(format!(
                "\"{listen}\" is not an address to listen on; write it as 0.0.0.0:8095 (address:port)"
            )));
        }
    }
    settings.transfer_number = settings.transfer_number.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(number) = &settings.transfer_number {
        if number.chars().count() > TRANSFER_NUMBER_MAX || number.contains(|c: char| c == ',' || c.is_whitespace()) {
            return Err(DeskError::Invalid(format!(
                "\"{number}\" is not one number for transfers: no spaces or commas, at most {TRANSFER_NUMBER_MAX} characters"
            )));
        }
    }
    settings.relay_url = settings.relay_url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(relay) = &settings.relay_url {
        // The client's own check, so that what is saved is what it connects to.
        sidekick_interactive::relay::check_relay_url(relay).map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
    }
    Ok(settings)
}

/// The address the PBX can reach for a server bound to `bound`: the computer's LAN address when it
/// listens on every interface.
fn reachable(bound: SocketAddr) -> SocketAddr {
    if !bound.ip().is_unspecified() {
        return bound;
    }
    SocketAddr::new(lan_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)), bound.port())
}

/// The address this computer's default route leaves from (a UDP "connect" sends nothing).
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    socket.local_addr().ok().map(|a| a.ip()).filter(|ip| !ip.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let bad_listen = InteractiveSettings { listen: Some("8095".into()), ..Default::default() };
        assert!(checked(bad_listen).unwrap_err().to_string().contains("address:port"));
        let bad_number = InteractiveSettings { transfer_number: Some("101, 102".into()), ..Default::default() };
        assert!(checked(bad_number).unwrap_err().to_string().contains("no spaces or commas"));
        let plain_ws = InteractiveSettings { relay_url: Some("ws://relay.example.com/pops".into()), ..Default::default() };
        assert!(checked(plain_ws).unwrap_err().to_string().contains("wss://"));
        let fine = InteractiveSettings {
            listen: Some(" 127.0.0.1:0 ".into()),
            transfer_number: Some(" 4012 ".into()),
            relay_url: Some("ws://127.0.0.1:9/pops".into()),
            ..Default::default()
        };
        let fine = checked(fine).unwrap();
        assert_eq!(fine.listen.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(fine.transfer_number.as_deref(), Some("4012"));
    }

    #[test]
    fn an_unspecified_bind_is_shown_with_a_reachable_address() {
        let shown = reachable("0.0.0.0:8095".parse().unwrap());
        assert_eq!(shown.port(), 8095);
        assert!(!shown.ip().is_unspecified());
        assert_eq!(reachable("127.0.0.1:81".parse().unwrap()).to_string(), "127.0.0.1:81");
    }
}

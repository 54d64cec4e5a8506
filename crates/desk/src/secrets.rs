//! Secrets: the OS keychain, behind a small trait so tests can use memory instead.
//!
//! Only secrets go here (today: the agent's CTI password, when the agent asks Sidekick to
//! remember it). They never reach a log, the settings file or the UI; errors carry the
//! keychain's message, never the secret.

use std::collections::HashMap;
use std::sync::Mutex;

/// A keychain failure, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system keychain is not available ({0})")]
pub struct SecretError(pub String);

/// Where secrets are kept.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// The secret for `account`, if one is stored.
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    /// Stores (or replaces) the secret for `account`.
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Removes the secret for `account`; removing a missing one is not an error.
    fn delete(&self, account: &str) -> Result<(), SecretError>;
}

/// The operating system's keychain, under one service name.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// Secrets filed under `service` (the app identifier).
    pub fn new(service: &str) -> Self {
        Self { service: service.to_owned() }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, account).map_err(|e| SecretError(e.to_string()))
    }
}

impl SecretStore for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match self.entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError(e.to_string())),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.entry(account)?.set_password(secret).map_err(|e| SecretError(e.to_string()))
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError(e.to_string())),
        }
    }
}

/// Secrets in memory, for tests and for machines with no keychain.
#[derive(Debug, Default)]
pub struct MemorySecrets(Mutex<HashMap<String, String>>);

impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        Ok(self.0.lock().map_err(|_| SecretError("poisoned".into()))?.get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.0.lock().map_err(|_| SecretError("poisoned".into()))?.insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.0.lock().map_err(|_| SecretError("poisoned".into()))?.remove(account);
        Ok(())
    }
}

/// The keychain account of an agent's CTI password on one gateway: `agent 291 @ host:port`.
pub fn password_account(agent_id: u32, gateway_host: &str) -> String {
    format!("agent {agent_id} @ {gateway_host}")
}

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
    /// Whether a secret is stored for `account` (for "saved" in Settings; never its value).
    fn contains(&self, account: &str) -> Result<bool, SecretError> {
        self.get(account).map(|s| s.is_some())
    }
}

/// A store that remembers which accounts hold a secret (yes or no, never the secret), so the
/// settings page's "saved" marks do not cost a keychain round trip each (six of them made up
/// about 0.3 s of the app's start). What this process stores or removes updates it at once; a
/// secret stored by another process shows once this one reads it.
#[derive(Debug)]
pub struct PresenceCache<S> {
    inner: S,
    known: Mutex<HashMap<String, bool>>,
}

impl<S: SecretStore> PresenceCache<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner, known: Mutex::new(HashMap::new()) }
    }

    fn remember(&self, account: &str, present: bool) {
        if let Ok(mut k) = self.known.lock() {
            k.insert(account.to_owned(), present);
        }
    }
}

impl<S: SecretStore> SecretStore for PresenceCache<S> {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        let secret = self.inner.get(account)?;
        self.remember(account, secret.is_some());
        Ok(secret)
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.inner.set(account, secret)?;
        self.remember(account, true);
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), SecretError> {
        if let Ok(mut k) = self.known.lock() {
            k.remove(account);
        }
        self.inner.delete(account)?;
        self.remember(account, false);
        Ok(())
    }
    fn contains(&self, account: &str) -> Result<bool, SecretError> {
        if let Some(known) = self.known.lock().ok().and_then(|k| k.get(account).copied()) {
            return Ok(known);
        }
        let present = self.inner.contains(account)?;
        self.remember(account, present);
        Ok(present)
    }
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

#[cfg(test)]
mod presence_tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the reads that reach the store underneath.
    #[derive(Debug, Default)]
    struct Counting(MemorySecrets, AtomicUsize);

    impl SecretStore for Counting {
        fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.get(account)
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
            self.0.set(account, secret)
        }
        fn delete(&self, account: &str) -> Result<(), SecretError> {
            self.0.delete(account)
        }
    }

    #[test]
    fn saved_marks_are_read_once_and_follow_what_this_process_stores() {
        let store = PresenceCache::new(Counting::default());
        assert!(!store.contains("a").unwrap());
        assert!(!store.contains("a").unwrap());
        assert_eq!(store.inner.1.load(Ordering::SeqCst), 1, "the second look is answered from memory");
        store.set("a", "s3cret").unwrap();
        assert!(store.contains("a").unwrap(), "a secret stored here shows at once");
        assert_eq!(store.get("a").unwrap().as_deref(), Some("s3cret"), "values always come from the store");
        store.delete("a").unwrap();
        assert!(!store.contains("a").unwrap());
        // Stored behind its back (another process) after this one looked: seen once it is read.
        assert!(!store.contains("b").unwrap());
        store.inner.0.set("b", "x").unwrap();
        assert!(!store.contains("b").unwrap(), "the remembered answer, until a read");
        assert_eq!(store.get("b").unwrap().as_deref(), Some("x"));
        assert!(store.contains("b").unwrap());
    }
}

//! The real OS keychain. On Linux it needs a Secret Service on the session bus: the test command
//! runs this under `dbus-run-session` with an unlocked gnome-keyring and sets
//! `SIDEKICK_KEYCHAIN_TEST=1`, which makes the test mandatory. Without that variable (a developer's
//! `cargo test` on a desktop), it runs only if a keychain answers.

use sidekick_desk::secrets::{OsKeychain, SecretStore};

#[test]
fn stores_reads_replaces_and_deletes_a_secret() {
    let required = std::env::var_os("SIDEKICK_KEYCHAIN_TEST").is_some();
    let store = OsKeychain::new("dev.sidekick.desktop.test");
    let account = format!("keychain-test-{}", std::process::id());
    match store.get(&account) {
        Ok(None) => {}
        Ok(Some(_)) => panic!("a fresh account must be empty"),
        Err(e) if !required => {
            println!("no keychain here, not testing it: {e}");
            return;
        }
        Err(e) => panic!("SIDEKICK_KEYCHAIN_TEST is set but the keychain failed: {e}"),
    }
    store.set(&account, "första pässword ✓").unwrap();
    // A fresh handle reads it back: it is stored, not cached in this process.
    assert_eq!(OsKeychain::new("dev.sidekick.desktop.test").get(&account).unwrap().as_deref(), Some("första pässword ✓"));
    store.set(&account, "second").unwrap();
    assert_eq!(store.get(&account).unwrap().as_deref(), Some("second"));
    store.delete(&account).unwrap();
    assert_eq!(store.get(&account).unwrap(), None);
    store.delete(&account).unwrap();
}

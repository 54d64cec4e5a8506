//! The installed package: what the .deb put on the machine starts, shows the embedded demo's call
//! in a real window, and is announced to the desktop (launcher entry, icons).
//!
//! `scripts/test.sh` builds the .deb (release), installs it with `dpkg -i` (or, without root,
//! unpacks it into a temporary root), and runs this with `SIDEKICK_APP_BIN` set to the installed
//! binary and `SIDEKICK_INSTALL_ROOT` to where the package went (`/` when installed).

use std::path::PathBuf;
use std::time::Duration;

use e2e::{app_bin, App};

const PATIENCE: Duration = Duration::from_secs(15);

fn install_root() -> PathBuf {
    PathBuf::from(std::env::var_os("SIDEKICK_INSTALL_ROOT").expect("SIDEKICK_INSTALL_ROOT: where the .deb was installed"))
}

#[tokio::test]
#[ignore = "needs the installed .deb: scripts/test.sh builds and installs it, then runs this with SIDEKICK_APP_BIN"]
async fn the_installed_package_runs_the_demo_and_shows_a_call() {
    let bin = app_bin();
    assert!(
        bin.starts_with(install_root().join("usr/bin")),
        "the test must launch the packaged binary, not a build: {}",
        bin.display()
    );
    let root = install_root();
    let desktop = std::fs::read_to_string(root.join("usr/share/applications/Sidekick.desktop")).expect("the launcher entry");
    assert!(desktop.contains("Exec=sidekick"), "{desktop}");
    assert!(root.join("usr/share/icons/hicolor/128x128/apps/sidekick.png").exists(), "the icon");

    let app = App::launch(&["--demo"]).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    app.wait_text("[data-testid=demo-badge]", PATIENCE).await;
    assert!(!app.wait_text("[data-testid=call-caller]", PATIENCE).await.is_empty(), "the caller is shown");
    app.shot("installed-demo").await;
    app.close().await;
}

#!/usr/bin/env bash
# Runs every test: UI type check and unit tests, Rust lints, unit and integration tests, the
# TypeScript drift check, and the end-to-end tests of the real app in a real window under Xvfb.
# Installs what it needs first (Debian 12). Headless: it starts its own X server and D-Bus.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
step() { echo "=== [+$((SECONDS - T0))s] $*"; }
export SETUP_E2E=1 CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
source scripts/setup.sh

step "UI: type check, unit tests, build"
npm run check --silent
npx vitest run
npm run build --silent

step "Rust: tauri stays in the shell"
bad=$(grep -lE '^\s*tauri(-[a-z-]+)?\s*=' crates/*/Cargo.toml || true)
if [ -n "$bad" ]; then echo "only src-tauri may depend on tauri, but: $bad"; exit 1; fi

step "Rust: clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Rust: unit + integration tests, with the real OS keychain (includes the TypeScript drift test)"
# One run of every test outside tests/ (so dependencies are built once), on a private D-Bus
# session with an unlocked GNOME Keyring, where the keychain test is mandatory. gnome-keyring keeps
# its files under $HOME/.local/share/keyrings: give it a throwaway HOME, but keep cargo and rustup
# where they are.
KEYRING_HOME=$(mktemp -d)
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
HOME=$KEYRING_HOME SIDEKICK_KEYCHAIN_TEST=1 dbus-run-session -- scripts/with-keyring.sh \
  cargo test --workspace --exclude e2e

step "end to end: real window under Xvfb, real keychain"
cargo build --workspace --bins
# Each app launch gets its own empty XDG config/data dirs (see tests/support.rs); the app keeps
# its secrets (the call-data key) in the same throwaway GNOME Keyring.
HOME=$KEYRING_HOME dbus-run-session -- scripts/with-keyring.sh \
  xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p e2e -- --test-threads=1

step "package: the release .deb, installed, launched on the demo"
npm run tauri --silent -- build --bundles deb
DEB=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/bundle/deb/*.deb | head -1)
echo "deb: $DEB, $(stat -c %s "$DEB") bytes ($(du -h "$DEB" | cut -f1))"
# Installed for real where this runs as root (CI, a fresh Debian), unpacked into a temporary root
# otherwise: the test launches the packaged binary either way.
if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
  $SUDO dpkg -i "$DEB" >/dev/null
  INSTALL_ROOT=/
else
  INSTALL_ROOT=$(mktemp -d)
  dpkg-deb -x "$DEB" "$INSTALL_ROOT"
fi
HOME=$KEYRING_HOME SIDEKICK_APP_BIN="${INSTALL_ROOT%/}/usr/bin/sidekick" SIDEKICK_INSTALL_ROOT="$INSTALL_ROOT" \
  dbus-run-session -- scripts/with-keyring.sh \
  xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p e2e --test installed -- --ignored
rm -rf "$KEYRING_HOME"
step "all tests passed (screenshots in target/e2e/)"

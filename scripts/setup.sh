#!/usr/bin/env bash
# Installs what building, running and testing Sidekick need on Debian 12 (bookworm), and nothing
# that is already there. Idempotent; sourced by scripts/demo.sh and scripts/test.sh.
#   SETUP_E2E=1  also installs the end-to-end test tools (Xvfb, WebKitWebDriver, tauri-driver).
#   SETUP_BENCH=1 also installs Chromium (scripts/bench.sh compares with it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "=== $*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. Debian packages. xauth must be named: xvfb only recommends it, and xvfb-run needs it.
# libayatana-appindicator3-dev: the tray icon (the app loads the library at start-up).
# libsqlite3-dev: the notes outbox links the system's SQLite on Linux.
PKGS=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev libsqlite3-dev build-essential pkg-config libssl-dev curl file)
if [ "${SETUP_E2E:-0}" = 1 ]; then
  PKGS+=(xvfb xauth xdotool libxml2-utils webkit2gtk-driver dbus-daemon gnome-keyring dunst)
fi
# SETUP_BENCH=1 (scripts/bench.sh): Debian's Chromium, the browser panel the memory is compared with.
if [ "${SETUP_BENCH:-0}" = 1 ]; then
  PKGS+=(chromium)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Rust (Debian's rustc is too old for Tauri 2): rustup's stable toolchain when cargo is missing.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
if ! command -v cargo >/dev/null 2>&1; then
  say "installing Rust with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# 3. Node.js >= 20.19 (Vite 8). Debian 12 ships 18, so fetch the official build when needed.
node_ok() { command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)'; }
if ! node_ok; then
  NODE_VERSION=v22.12.0
  say "installing Node.js $NODE_VERSION into /usr/local"
  curl -fsSL "https://nodejs.org/dist/$NODE_VERSION/node-$NODE_VERSION-linux-x64.tar.xz" | $SUDO tar -xJ -C /usr/local --strip-components=1
fi

# 4. npm packages. `npm install`, not `npm ci`: some registries lack the other platforms' optional
#    packages of the Tauri CLI and rollup, which `npm ci` then refuses.
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

# 5. tauri-driver, the WebDriver bridge for the end-to-end tests (pinned: 3.0 alphas exist).
if [ "${SETUP_E2E:-0}" = 1 ]; then
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  if ! tauri-driver --help >/dev/null 2>&1; then
    say "cargo install tauri-driver 2.1.0"
    cargo install tauri-driver --version 2.1.0 --locked --quiet
  fi
fi

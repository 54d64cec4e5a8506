#!/usr/bin/env bash
# The benchmarks: builds the release app and simulator, runs the crates' own benchmarks, then
# measures the real app under Xvfb (cold start, idle memory next to Chromium showing the same UI,
# idle CPU, event → screen latency, a shift-long soak) and prints one table, also written to
# BENCHMARKS.md with the machine and the method. Figures, not tests; not part of scripts/test.sh.
# Installs what it needs first (Debian 12), Chromium included.
#   BENCH_SOAK_CALLS, BENCH_EVENTS, BENCH_IDLE_SECS, BENCH_LAUNCHES: see tests/bench.rs;
#   BENCH_CI_SECONDS (Call Interactive run, default 20 s), BENCH_CCFS_RUNS (bill file, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
step() { echo "=== [+$((SECONDS - T0))s] $*"; }
export SETUP_E2E=1 SETUP_BENCH=1 CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
source scripts/setup.sh
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
TARGET=${CARGO_TARGET_DIR:-target}

step "UI build"
npm run build --silent

step "release build: app, simulator, harness, the crates' benchmarks"
# One invocation, so both cores stay busy to the end and every dependency is built once: the
# crates' benchmarks are plain programs (crates/benches) with no dev-dependencies, so they change
# no feature of the app's dependencies (sidekick-bench is the e2e package's only binary).
cargo build --release -p sidekick -p sidekick-sim -p e2e -p sidekick-benches --bins

step "the crates' benchmarks"
OTHER=$(mktemp)
R="$TARGET/release"
BENCH_ITERATIONS=2000 "$R/seal_open" | tee -a "$OTHER"
"$R/outbox_drain" | tee -a "$OTHER"
BENCH_SECONDS=${BENCH_CI_SECONDS:-20} "$R/ci_latency" | tee -a "$OTHER"
BENCH_RUNS=${BENCH_CCFS_RUNS:-3} "$R/bill_download" | tee -a "$OTHER"
DEB=$(ls -t "$TARGET"/release/bundle/deb/*.deb 2>/dev/null | head -1 || true)
if [ -n "$DEB" ]; then echo "deb: $(basename "$DEB"), $(stat -c %s "$DEB") bytes (built by scripts/test.sh)" | tee -a "$OTHER"; fi

step "the app: cold start, memory, idle CPU, event → screen, shift soak"
KEYRING_HOME=$(mktemp -d)
HOME=$KEYRING_HOME SIDEKICK_APP_BIN="$TARGET/release/sidekick" SIDEKICK_SIM_BIN="$TARGET/release/sidekick-sim" \
  BENCH_OTHER="$OTHER" dbus-run-session -- scripts/with-keyring.sh \
  xvfb-run -a -s "-screen 0 1280x800x24" "$TARGET/release/sidekick-bench"
rm -rf "$KEYRING_HOME" "$OTHER"
step "done (BENCHMARKS.md)"

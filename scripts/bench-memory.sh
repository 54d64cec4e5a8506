#!/usr/bin/env bash
# Prints the memory of Sidekick idling on the embedded demo: RSS and PSS of the app process and of
# its WebKit children (web process, network process), after a settle time. A figure, not a test.
#   scripts/bench-memory.sh [binary] [settle-seconds]
# Needs a display: run under `xvfb-run -a` when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/sidekick}
SETTLE=${2:-20}
[ -x "$BIN" ] || { echo "build it first: cargo build -p sidekick (or --release)"; exit 2; }
CFG=$(mktemp -d)
XDG_CONFIG_HOME=$CFG XDG_DATA_HOME=$CFG XDG_CACHE_HOME=$CFG "$BIN" --demo >/dev/null 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null; wait $APP 2>/dev/null; rm -rf "$CFG"' EXIT
sleep "$SETTLE"
pids="$APP $(pgrep -P "$APP" | tr '\n' ' ')"
printf '%-22s %8s %8s\n' process "RSS MiB" "PSS MiB"
rss_t=0; pss_t=0
for p in $pids; do
  name=$(cat /proc/$p/comm 2>/dev/null || echo "?")
  rss=$(awk '/^Rss:/{print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0)
  pss=$(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0)
  rss_t=$((rss_t + rss)); pss_t=$((pss_t + pss))
  awk -v n="$name" -v r="$rss" -v p="$pss" 'BEGIN{printf "%-22s %8.1f %8.1f\n", n, r/1024, p/1024}'
done
awk -v r="$rss_t" -v p="$pss_t" 'BEGIN{printf "%-22s %8.1f %8.1f\n", "TOTAL", r/1024, p/1024}'
echo "binary: $BIN ($(du -h "$BIN" | cut -f1)), settled ${SETTLE}s on --demo"

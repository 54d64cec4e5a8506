#!/usr/bin/env bash
# Builds Sidekick and opens it on the embedded demo (simulated gateway, scripted calls).
# Extra arguments go to the app, e.g. `scripts/demo.sh` then sign out to see the sign-in form.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "=== building the UI"
npm run build --silent
echo "=== building and starting Sidekick (--demo)"
exec cargo run --quiet -p sidekick -- --demo "$@"

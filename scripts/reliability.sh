#!/usr/bin/env bash
# The long reliability run (RELIABILITY.md holds its latest figures): the full fault matrix, the
# crash loop with 100+ SIGKILLs, every fuzz target for FUZZ_SECONDS each (120 by default) from the
# corpus kept in fuzz/corpus, and `cargo deny check licenses bans sources`. Installs what it needs
# (cargo-fuzz, cargo-deny; libFuzzer builds use RUSTC_BOOTSTRAP=1 on the stable toolchain).
# The reduced matrix, the property tests, the secret scan and the lock-down tests are part of
# scripts/test.sh; this is the longer form. About 16 minutes on 2 cores with FUZZ_SECONDS=120 (the
# first run builds cargo-deny, cargo-fuzz and the fuzz targets: about 14 minutes more).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
step() { echo "=== [+$((SECONDS - T0))s] $*"; }
source scripts/setup.sh
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export PATH="$CARGO_HOME/bin:$PATH" CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
FUZZ_SECONDS=${FUZZ_SECONDS:-120}
CRASH_RUNS=${CRASH_RUNS:-48} # up to three kills a run (fewer when a run drains first): about 110
OUT=$(mktemp -d)

command -v cargo-fuzz >/dev/null || { step "installing cargo-fuzz"; cargo install cargo-fuzz --version 0.13.2 --locked; }
command -v cargo-deny >/dev/null || { step "installing cargo-deny"; cargo install cargo-deny --version 0.20.2 --locked; }

step "supply chain: cargo deny check licenses bans sources"
cargo deny check licenses bans sources 2>&1 | tee "$OUT/deny" | tail -3

step "the full fault matrix"
SIDEKICK_FAULT_MATRIX=full cargo test -q -p sidekick-desk --test desk -- fault_matrix --nocapture 2>&1 | tee "$OUT/matrix" | grep -E '^\||fault matrix|test result'

step "the crash loop: $CRASH_RUNS runs of SIGKILLs while notes are typed and delivered"
SIDEKICK_CRASH_RUNS=$CRASH_RUNS cargo test -q -p sidekick-desk --test desk -- crash::notes_survive --nocapture 2>&1 | tee "$OUT/crash" | grep -E 'crash test|test result'

step "fuzzing: $FUZZ_SECONDS s per target"
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
TARGETS=$(cargo fuzz list)
for t in $TARGETS; do
  # A crash stops the run and leaves its input in fuzz/artifacts/$t.
  if cargo fuzz run -O "$t" -- -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 >"$OUT/fuzz-$t" 2>&1; then
    verdict="0 crashes"
  else
    verdict="CRASHED (fuzz/artifacts/$t)"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/fuzz-$t" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$OUT/fuzz-$t" | tail -1 || true)
  echo "fuzz $t: $FUZZ_SECONDS s, $execs inputs, $cov, $verdict" | tee -a "$OUT/fuzz"
done
for t in $TARGETS; do cargo fuzz cmin -O "$t" >/dev/null 2>&1 || true; done

step "summary"
grep -E '^\| \*\*all' "$OUT/matrix" | sed 's/^/fault matrix (all cells): /'
grep -E 'crash test' "$OUT/crash"
cat "$OUT/fuzz"
tail -1 "$OUT/deny"
if grep -q CRASHED "$OUT/fuzz"; then echo "a fuzz target crashed"; exit 1; fi
step "done"

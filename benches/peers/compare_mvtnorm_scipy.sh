#!/usr/bin/env bash
# Side-by-side time and achieved error of our Genz engine, R's mvtnorm (GenzBretz at its default
# and at tight tolerances, TVPACK for d = 2, 3, Miwa for small d) and SciPy's
# multivariate_normal.cdf, on equicorrelated rho = 1/2 orthants (exact value 1/(d + 1)) and random
# correlation boxes (reference: a long Genz run; see benches/src/bin/peer_problems.rs),
# d = 2, 3, 5, 10, 20, 50, 100.
#
# This script installs nothing. Peers, if wanted:
#   R with mvtnorm:  apt-get install -y r-base-core r-cran-mvtnorm
#   SciPy:           python3 -m venv /tmp/venv && /tmp/venv/bin/pip install scipy
#                    (then PYTHON=/tmp/venv/bin/python3 ./compare_mvtnorm_scipy.sh)
# Missing peers are skipped.
#
# Output in $DIR (default target/peers): the problem files, results.csv (every run:
# peer,algorithm,problem,d,tol,time_ms,reported_error,achieved_error,threads) and summary.md
# (every peer run beside our time at the same achieved error, and the ratio).
# Ours runs twice: with one rayon thread (the peers are single-threaded) and with all cores.
# The peers run back to back with ours; the machine load (uptime) is recorded in summary.md.
# Run on an otherwise idle machine. ONLY=ours|mvtnorm|scipy runs one part (appending).
# DF=nu: the multivariate t comparison instead (Genz's method for the t against pmvt, in
# target/peers-t$DF; see peer_problems.rs for the problems); SciPy is skipped for the t (its
# multivariate_t.cdf took 17 s at d = 3 for 1e-5).
# Takes about 10 to 20 minutes on 2 cores (SciPy and mvtnorm at tight tolerances dominate).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ -n "${DF:-}" ]; then
  export PEER_DF="$DF"
  dir="${DIR:-$root/target/peers-t$DF}"
else
  dir="${DIR:-$root/target/peers}"
fi
python="${PYTHON:-python3}"
only="${ONLY:-all}"
mkdir -p "$dir"
results="$dir/results.csv"
cd "$root"
cargo build --release -q -p benches --bin peer_problems
bin="${CARGO_TARGET_DIR:-$root/target}/release/peer_problems"
"$bin" write "$dir"
if [ "$only" = all ] || [ ! -f "$results" ]; then
  echo "peer,algorithm,problem,d,tol,time_ms,reported_error,achieved_error,threads" > "$results"
fi
echo "load before: $(uptime)" | tee -a "$dir/load.txt"
if [ "$only" = all ] || [ "$only" = ours ]; then
  RAYON_NUM_THREADS=1 "$bin" time "$dir" | tee -a "$results"
  "$bin" time "$dir" | tee -a "$results"
fi
if [ "$only" = all ] || [ "$only" = mvtnorm ]; then
  if command -v Rscript > /dev/null && Rscript -e 'library(mvtnorm)' > /dev/null 2>&1; then
    Rscript "$here/mvtnorm_orthant.R" "$dir" | tee -a "$results"
  else
    echo "R with mvtnorm not found: skipped" >&2
  fi
fi
if [ -z "${DF:-}" ] && { [ "$only" = all ] || [ "$only" = scipy ]; }; then
  if "$python" -c 'import scipy' > /dev/null 2>&1; then
    "$python" "$here/scipy_orthant.py" "$dir" | tee -a "$results"
  else
    echo "SciPy not found: skipped" >&2
  fi
fi
echo "load after: $(uptime)" | tee -a "$dir/load.txt"
python3 "$here/summarize.py" "$dir" > "$dir/summary.md"
cat "$dir/summary.md"

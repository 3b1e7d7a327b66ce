#!/usr/bin/env bash
# Side by side, in one run: `cudf-check -cudf` (libCUDF, the reference) and `misc check` on the
# same full Debian universe, then the ratios of wall time and peak memory.
#
#   crates/cudf/bench/vs_cudf_check.sh [PROBLEM.cudf[.xz]] [RUNS]
#
# The problem is decompressed once up front, so both tools read the same plain file (from the
# page cache: one warm-up run of each first). The runs are interleaved (one cudf-check run, then
# one `misc check` run, RUNS times) so that both see the same machine; wall time is taken with
# microsecond resolution and the best and median of each are shown; the ratio uses the best.
# Each round's own ratio is shown too (median and quartiles), which a drifting machine moves less.
# Peak memory (max RSS, from /usr/bin/time) is the largest over extra runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
problem=${1:-$top/../shared/data/problems/deb-empty-install1.cudf.xz}
runs=${2:-7}
misc=${MISC:-$top/target/release/misc}
command -v cudf-check >/dev/null || { echo "cudf-check is not installed (apt-get install cudf-tools)"; exit 2; }
[ -x "$misc" ] || (cd "$top" && cargo build --release -q -p misc-cli)
[ -f "$problem" ] || { echo "no problem file: $problem"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
plain=$tmp/problem.cudf
case "$problem" in
  *.xz) xz -dc "$problem" > "$plain" ;;
  *.gz) gzip -dc "$problem" > "$plain" ;;
  *.bz2) bzip2 -dc "$problem" > "$plain" ;;
  *) cp "$problem" "$plain" ;;
esac

ms() { # runs a command, prints its wall time in milliseconds
  local s e
  s=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || true; e=$EPOCHREALTIME
  awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f\n", (e - s) * 1000}'
}
peak_kib() { # the largest max RSS over 3 runs
  local max=0 k
  for _ in 1 2 3; do
    /usr/bin/time -f "%M" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
    k=$(tail -1 "$tmp/t"); [ "$k" -gt "$max" ] && max=$k
  done
  echo "$max"
}
stats() { sort -n | awk '{x[NR]=$1} END{printf "%s %s\n", x[1], x[int((NR+1)/2)]}'; }

echo "problem: $problem ($(du -h "$plain" | cut -f1) unpacked), $runs interleaved runs each"
ms cudf-check -cudf "$plain" >/dev/null; ms "$misc" check "$plain" >/dev/null   # warm-up
: > "$tmp/ref"; : > "$tmp/our"
for _ in $(seq "$runs"); do
  ms cudf-check -cudf "$plain" >> "$tmp/ref"
  ms "$misc" check "$plain" >> "$tmp/our"
done
read -r ref_best ref_med < <(stats < "$tmp/ref")
read -r our_best our_med < <(stats < "$tmp/our")
ref_k=$(peak_kib cudf-check -cudf "$plain")
our_k=$(peak_kib "$misc" check "$plain")
printf '%-18s %12s %12s %12s\n' tool "best (ms)" "median (ms)" "peak (MiB)"
printf '%-18s %12s %12s %12.1f\n' "cudf-check -cudf" "$ref_best" "$ref_med" "$(echo "$ref_k/1024" | bc -l)"
printf '%-18s %12s %12s %12.1f\n' "misc check" "$our_best" "$our_med" "$(echo "$our_k/1024" | bc -l)"
awk -v rb="$ref_best" -v ob="$our_best" -v rm="$ref_med" -v om="$our_med" -v rk="$ref_k" -v ok="$our_k" 'BEGIN{
  printf "speed ratio (cudf-check / misc): %.1fx best, %.1fx median   memory ratio (misc / cudf-check): %.2f\n", rb/ob, rm/om, ok/rk }'
# Each round's own ratio (its cudf-check run and the misc run right after it share the machine's
# state, which on a shared VM drifts over minutes): their median and quartiles.
paste "$tmp/ref" "$tmp/our" | awk '{print $1 / $2}' | sort -n | awk '{x[NR]=$1} END{
  printf "per-round ratio: median %.1fx (quartiles %.1fx to %.1fx, %d rounds)\n", x[int((NR+1)/2)], x[int(NR/4)+1], x[int(3*NR/4)+1], NR }'

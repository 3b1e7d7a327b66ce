#!/usr/bin/env bash
# Side by side, in one run: `cudf-check -cudf` (libCUDF, the reference) and `misc check` on the
# same full Debian universe, then the ratios of wall time and peak memory.
#
#   crates/cudf/bench/vs_cudf_check.sh [PROBLEM.cudf[.xz]] [RUNS]
#
# The problem is decompressed once up front, so both tools read the same plain file. Wall time
# is the best of RUNS runs of each; memory is the largest peak RSS (from /usr/bin/time).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
problem=${1:-$top/../shared/data/problems/deb-empty-install1.cudf.xz}
runs=${2:-5}
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

measure() { # prints "best_seconds max_kib"
  local best=999999 maxkib=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
    read -r s k < "$tmp/t"
    best=$(awk -v a="$best" -v b="$s" 'BEGIN{print (b<a)?b:a}')
    [ "$k" -gt "$maxkib" ] && maxkib=$k
  done
  echo "$best $maxkib"
}

echo "problem: $problem ($(du -h "$plain" | cut -f1) unpacked), best of $runs runs"
read -r ref_s ref_k < <(measure cudf-check -cudf "$plain")
read -r our_s our_k < <(measure "$misc" check "$plain")
printf '%-22s %10s %12s\n' tool "wall (s)" "peak (MiB)"
printf '%-22s %10s %12.1f\n' "cudf-check -cudf" "$ref_s" "$(echo "$ref_k/1024" | bc -l)"
printf '%-22s %10s %12.1f\n' "misc check" "$our_s" "$(echo "$our_k/1024" | bc -l)"
awk -v rs="$ref_s" -v os="$our_s" -v rk="$ref_k" -v ok="$our_k" 'BEGIN{
  os = (os < 0.01) ? 0.01 : os;   # /usr/bin/time has 10 ms resolution
  printf "speed ratio (cudf-check / misc): %.1fx   memory ratio (misc / cudf-check): %.2f\n", rs/os, ok/rk }'

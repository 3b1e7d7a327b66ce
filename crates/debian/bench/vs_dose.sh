#!/usr/bin/env bash
# Side by side, in one run: `dose-ceve -T cudf` (dose-extra, the reference converter) and
# `misc problems debian --compress none` on the same plain Packages indexes (by default this
# machine's bookworm main + updates + security, 50 MB: dose cannot read apt's .lz4, so they are
# decompressed once up front), then the ratios of wall time and peak memory.
#
#   crates/debian/bench/vs_dose.sh [RUNS] [PACKAGES...]
#
# The runs are interleaved (one dose run, then one misc run, RUNS times, after one warm-up of
# each) so that both see the same machine; the ratio uses the best wall time of each. Peak
# memory is max RSS from /usr/bin/time (the largest over the runs).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
runs=${1:-3}
shift || true
misc=${MISC:-$top/target/release/misc}
command -v dose-ceve >/dev/null || { echo "dose-ceve is not installed (apt-get install dose-extra)"; exit 2; }
[ -x "$misc" ] || (cd "$top" && cargo build --release -q -p misc-cli)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
inputs=()
if [ $# -gt 0 ]; then
  inputs=("$@")
else
  lists=/var/lib/apt/lists
  for s in bookworm_main bookworm-updates_main bookworm-security_main; do
    f=$(ls "$lists"/*_dists_${s}_binary-amd64_Packages.lz4 2>/dev/null | head -1)
    [ -n "$f" ] || { echo "no $s index under $lists (run apt-get update)"; exit 2; }
    lz4 -dc "$f" > "$tmp/$s.Packages"
    inputs+=("$tmp/$s.Packages")
  done
fi
echo "input: $(cat "${inputs[@]}" | wc -c | awk '{printf "%.1f MB", $1/1e6}'), $(cat "${inputs[@]}" | grep -c '^Package:') stanzas"
dose_args=(); for f in "${inputs[@]}"; do dose_args+=("deb://$f"); done

dose_cmd=(dose-ceve -T cudf "${dose_args[@]}" -o "$tmp/dose.cudf")
misc_cmd=("$misc" problems debian --packages "${inputs[@]}" --compress none --force --out "$tmp/misc")
measure() { # NAME CMD...: prints "wall-seconds cpu-seconds KiB"
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "${@:2}" >/dev/null 2>&1 || { echo "$1 failed" >&2; exit 1; }
  tail -1 "$tmp/t" | awk '{print $1, $2 + $3, $4}'
}
"${dose_cmd[@]}" >/dev/null 2>&1; "${misc_cmd[@]}" >/dev/null 2>&1   # warm-up
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (b<a)?b:a}'; }
best_d=999999; best_m=999999; cpu_d=999999; cpu_m=999999; mem_d=0; mem_m=0
for i in $(seq "$runs"); do
  read -r t c m < <(measure dose "${dose_cmd[@]}")
  best_d=$(min "$best_d" "$t"); cpu_d=$(min "$cpu_d" "$c"); [ "$m" -gt "$mem_d" ] && mem_d=$m
  read -r t c m < <(measure misc "${misc_cmd[@]}")
  best_m=$(min "$best_m" "$t"); cpu_m=$(min "$cpu_m" "$c"); [ "$m" -gt "$mem_m" ] && mem_m=$m
done
echo "packages: dose $(grep -c '^package:' "$tmp/dose.cudf"), misc $(grep -c '^package:' "$tmp/misc/universe.cudf")"
echo "(best of $runs; load average now: $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores: on a busy machine trust the CPU-time ratio)"
printf "dose-ceve -T cudf:      wall %6.2f s  cpu %6.2f s  %7.1f MiB\n" "$best_d" "$cpu_d" "$(awk -v k="$mem_d" 'BEGIN{print k/1024}')"
printf "misc problems debian:   wall %6.2f s  cpu %6.2f s  %7.1f MiB\n" "$best_m" "$cpu_m" "$(awk -v k="$mem_m" 'BEGIN{print k/1024}')"
awk -v d="$best_d" -v m="$best_m" -v cd="$cpu_d" -v cm="$cpu_m" -v md="$mem_d" -v mm="$mem_m" 'BEGIN{
  printf "misc is %.1fx faster in wall time, %.1fx in CPU time (goal 10x), and uses %.2f of dose'"'"'s memory (goal <= 0.5)\n", d/(m>0.005?m:0.005), cd/(cm>0.005?cm:0.005), mm/md }'

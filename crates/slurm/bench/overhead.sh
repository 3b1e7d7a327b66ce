#!/usr/bin/env bash
# overhead.sh - wall time of `misc run` with the local executor vs the Slurm executor on a round
# of 200 short runs (100 small problems x {naive, misc-hostile fail}), same binary, same machine.
#
# Usage: SLURM_CONF=... crates/slurm/bench/overhead.sh [BIN_DIR] [REPEATS] [CHUNKS...]
#   BIN_DIR  folder with misc, misc-naive, misc-hostile (default: target/release)
#   CHUNKS   --chunk values to try besides the default (e.g. 10 100)
# Prints one line per run: executor, chunk, seconds; then the median ratios slurm/local.
set -euo pipefail
cd "$(dirname "$0")/../../.."
BIN=${1:-target/release}; REPEATS=${2:-3}; shift $(( $# > 2 ? 2 : $# )); CHUNKS=("$@")
BIN=$(cd "$BIN" && pwd)
: "${SLURM_CONF:?set SLURM_CONF: source the env.sh written by .ci/slurm-up.sh}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/misc-overhead.XXXXXX")
T=$WORK/template
mkdir -p "$T/problems/p" "$T/solvers/naive" "$T/solvers/hostile-fail"
i=0
while [ $i -lt 100 ]; do
  for f in solvers/tests/fixtures/*.cudf; do
    [ $i -lt 100 ] || break
    i=$((i + 1)); cp "$f" "$T/problems/p/$(printf %03d $i)-$(basename "$f")"
  done
done
cp solvers/naive/solver.toml "$T/solvers/naive/"
printf 'name = "hostile-fail"\nversion = "1"\ncommand = ["misc-hostile", "fail", "{input}", "{output}"]\n' \
  > "$T/solvers/hostile-fail/solver.toml"
printf 'name = "overhead"\n[limits]\ncpu_time = 10\nmemory = "512MiB"\n[[tracks]]\nname = "paranoid"\ncriteria = "paranoid"\nproblems = ["problems/*/*.cudf"]\nsolvers = ["naive", "hostile-fail"]\n' \
  > "$T/competition.toml"
CPUS=$(nproc)
run() {  # run NAME ARGS...: prints seconds
  local name=$1; shift
  rm -rf "$WORK/$name"; cp -r "$T" "$WORK/$name"
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN/misc" run "$WORK/$name" "$@" > "$WORK/$name.log" 2>&1 || { tail "$WORK/$name.log"; exit 1; }
  t1=$(date +%s.%N)
  n=$(cat "$WORK/$name"/results/runs*.jsonl | wc -l)
  [ "$n" = 200 ] || { echo "$name: $n records, not 200" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'
}
declare -A times
configs=("local" "slurm-default" )
for c in "${CHUNKS[@]}"; do configs+=("slurm-chunk-$c"); done
for r in $(seq 1 "$REPEATS"); do
  for cfg in "${configs[@]}"; do
    if [ "$cfg" = local ]; then
      s=$(run "$cfg" --jobs "$CPUS")
    elif [ "$cfg" = slurm-default ]; then
      s=$(run "$cfg" --executor slurm)
    else
      s=$(run "$cfg" --executor slurm --chunk "${cfg#slurm-chunk-}")
    fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "$cfg run $r: ${s}s  (load $load)"
    times[$cfg]="${times[$cfg]:-} $s"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
L=$(echo "${times[local]}" | median)
echo "median local: ${L}s"
for cfg in "${configs[@]}"; do
  [ "$cfg" = local ] && continue
  m=$(echo "${times[$cfg]}" | median)
  awk -v c="$cfg" -v m="$m" -v l="$L" 'BEGIN{printf "median %s: %ss  ratio %.2f  overhead %+.1fs\n", c, m, m/l, m-l}'
done
rm -rf "$WORK"

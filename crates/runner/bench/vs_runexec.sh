#!/usr/bin/env bash
# Side-by-side benchmark of misc-runner against BenchExec's runexec, in one run.
#
#   crates/runner/bench/vs_runexec.sh [N]        (N runs per measurement, default 30)
#
# Prints:
#   1. per-run overhead for /bin/true (medians):
#      - runexec: whole-process wall time of `runexec --no-container /bin/true`
#      - misc exec, whole process: wall time of one `misc exec -- /bin/true` process (or of the
#        misc-exec example while `misc exec` is not wired into the CLI), minus the time bash needs
#        to spawn /bin/true itself
#        (also with --proc, i.e. without joining a cgroup, which on v1 waits for an RCU grace period)
#      - misc runner call in a harness: wall time of one `misc_runner::run` call when a process
#        runs many (with one pre-warmed shim, as a round would), minus the time the same process
#        needs to spawn and wait for /bin/true with std::process::Command
#      and the ratio of runexec's whole-process time to each overhead (target: at least 50);
#   2. CPU time of a fixed 2-second busy loop (misc-hostile busy 2) as reported by each tool, and
#      the relative difference;
#   3. CPU-limit overshoot: a spinning solver under a 1 s CPU limit, as measured by misc;
#   4. isolated runs (issue 16): per-run wall time of BenchExec's RunExecutor in container mode
#      (runexec_container.py: use_namespaces, / read-only, /tmp and /home hidden, no network)
#      for /bin/true, against the overhead of an isolated misc runner call (pre-warmed, in one
#      process, minus spawning /bin/true with std) and of a whole `misc exec --isolation
#      required` process, with the ratios (target: BenchExec / misc >= 20), in ROUNDS (default 3)
#      alternating rounds of N runs of each, each printed with the load average when it started, and the medians
#      over the rounds; then the CPU time of the 2-second busy loop under both isolations
#      (target: within 2 %).
#
# runexec runs with --no-container: its container mode cannot overlay / on this kernel
# ("Failed to create overlay mount for '/'"). The runs of the two tools are interleaved so that
# both see the same machine load.
set -euo pipefail

N=${1:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [[ -z ${SKIP_BUILD:-} ]]; then
    (cd "$ROOT" && cargo build -q --release -p misc-test-solvers --bin misc-hostile &&
        cargo build -q --release -p misc-runner --example misc-exec)
fi
HOSTILE=$CARGO_TARGET_DIR/release/misc-hostile
MISC_EXEC=$CARGO_TARGET_DIR/release/examples/misc-exec
# Prefer the real CLI once it has `exec`.
if [[ -x $CARGO_TARGET_DIR/release/misc ]] && "$CARGO_TARGET_DIR/release/misc" exec -- /bin/true >/dev/null 2>&1; then
    MISC=("$CARGO_TARGET_DIR/release/misc" exec)
    # (run as nobody when root: from a folder everyone may enter)
    MISC_ISO=("$CARGO_TARGET_DIR/release/misc" exec --isolation required --dir /)
else
    MISC=("$MISC_EXEC")
    MISC_ISO=("$MISC_EXEC" --isolate)
fi
RUNEXEC=$(command -v runexec) || { echo "runexec not found (pip install benchexec)"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Microseconds from bash's own clock (no fork).
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

: >true.us; : >runexec.us; : >misc.us; : >proc.us
for _ in $(seq "$N"); do
    t=$(now_us); /bin/true; echo $(( $(now_us) - t )) >>true.us
    t=$(now_us); "$RUNEXEC" --no-container --output /dev/null /bin/true >/dev/null 2>&1; echo $(( $(now_us) - t )) >>runexec.us
    t=$(now_us); "${MISC[@]}" -- /bin/true >/dev/null; echo $(( $(now_us) - t )) >>misc.us
    t=$(now_us); "$MISC_EXEC" --proc -- /bin/true >/dev/null; echo $(( $(now_us) - t )) >>proc.us
done
base_s=$("$MISC_EXEC" --baseline --repeat "$N" -- /bin/true | sed -n 's/^baseline_wall_median=\(.*\)s$/\1/p')
call_s=$("$MISC_EXEC" --prewarm 1 --repeat "$N" -- /bin/true | sed -n 's/^per_run_wall_median=\(.*\)s$/\1/p')

true_ms=$(median <true.us | awk '{printf "%.3f", $1/1000}')
runexec_ms=$(median <runexec.us | awk '{printf "%.3f", $1/1000}')
misc_ms=$(median <misc.us | awk '{printf "%.3f", $1/1000}')
proc_ms=$(median <proc.us | awk '{printf "%.3f", $1/1000}')
base_ms=$(awk -v s="$base_s" 'BEGIN {printf "%.3f", s*1000}')
call_ms=$(awk -v s="$call_s" 'BEGIN {printf "%.3f", s*1000}')
echo "== /bin/true, medians of $N runs (ms); ${MISC[*]} =="
echo "bash spawning /bin/true:                       $true_ms"
echo "runexec --no-container, whole process:         $runexec_ms"
echo "misc exec, whole process:                      $misc_ms"
echo "misc exec --proc (no cgroup), whole process:   $proc_ms"
echo "std::process::Command spawning /bin/true:      $base_ms"
echo "misc_runner::run call in a harness:            $call_ms"
awk -v t="$true_ms" -v r="$runexec_ms" -v m="$misc_ms" -v b="$base_ms" -v c="$call_ms" 'BEGIN {
    om = m - t; if (om < 0.001) om = 0.001
    oc = c - b; if (oc < 0.001) oc = 0.001
    printf "overhead of a misc exec process:  %.3f ms = runexec process / %.0f\n", om, r / om
    printf "overhead of a runner call:        %.3f ms = runexec process / %.0f  (target: >= 50)\n", oc, r / oc
}'

echo "== busy loop of 2 s CPU (misc-hostile busy 2), 3 runs each =="
for i in 1 2 3; do
    r=$("$RUNEXEC" --no-container --output /dev/null -- "$HOSTILE" busy 2 2>/dev/null | sed -n 's/^cputime=\(.*\)s$/\1/p')
    m=$("${MISC[@]}" -- "$HOSTILE" busy 2 | sed -n 's/^cputime=\(.*\)s$/\1/p')
    awk -v r="$r" -v m="$m" -v i="$i" 'BEGIN {
        d = (m - r) / r * 100; if (d < 0) d = -d
        printf "run %d: runexec cputime=%.4f s  misc cputime=%.4f s  difference=%.2f %% (target: <= 2 %%)\n", i, r, m, d
    }'
done

echo "== CPU-limit overshoot (misc-hostile spin, 1 s CPU limit), 3 runs =="
for i in 1 2 3; do
    m=$("${MISC[@]}" --cpu-time 1 -- "$HOSTILE" spin | sed -n 's/^cputime=\(.*\)s$/\1/p' || true)
    awk -v m="$m" -v i="$i" 'BEGIN { printf "run %d: misc cputime=%.4f s  overshoot=%.1f ms (target: <= 100 ms)\n", i, m, (m - 1) * 1000 }'
done

echo "== isolated runs (issue 16): /bin/true, $N runs each, medians (ms) =="
if ! python3 -c 'import benchexec' 2>/dev/null; then
    echo "BenchExec's Python package is missing (pip install benchexec): skipped"
    exit 0
fi
# In ROUNDS alternating rounds (default 3) of N runs each, so that both tools see the same
# load; each round prints its own ratio, the summary takes the medians over all rounds.
ROUNDS=${ROUNDS:-3}
PER=$N
: >bx.ms; : >isocall.ms; : >isoproc.ms
for r in $(seq "$ROUNDS"); do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    bx=$(python3 "$HERE/runexec_container.py" overhead "$PER" | sed -n 's/^per_run_wall_median=\(.*\)s$/\1/p')
    ic=$("$MISC_EXEC" --isolate --prewarm 1 --repeat "$PER" -- /bin/true | sed -n 's/^per_run_wall_median=\(.*\)s$/\1/p')
    b=$("$MISC_EXEC" --baseline --repeat "$PER" -- /bin/true | sed -n 's/^baseline_wall_median=\(.*\)s$/\1/p')
    : >true.us; : >iso.us
    for _ in $(seq "$PER"); do
        t=$(now_us); /bin/true; echo $(( $(now_us) - t )) >>true.us
        t=$(now_us); "${MISC_ISO[@]}" -- /bin/true >/dev/null; echo $(( $(now_us) - t )) >>iso.us
    done
    tr=$(median <true.us); ip=$(median <iso.us)
    awk -v bx="$bx" -v ic="$ic" -v b="$b" -v ip="$ip" -v t="$tr" -v r="$r" -v load="$load" \
        -v bxf=bx.ms -v icf=isocall.ms -v ipf=isoproc.ms 'BEGIN {
        bx *= 1000; oi = (ic - b) * 1000; if (oi < 0.001) oi = 0.001
        op = (ip - t) / 1000; if (op < 0.001) op = 0.001
        printf "round %d (load %s): BenchExec %.3f ms/run; isolated runner call %.3f ms - std spawn %.3f ms = overhead %.3f ms (BenchExec / %.1f, whole call: / %.1f); misc exec process overhead %.3f ms (BenchExec / %.1f)\n", r, load, bx, ic * 1000, b * 1000, oi, bx / oi, bx / (ic * 1000), op, bx / op
        print bx >>bxf; print oi >>icf; print op >>ipf
    }'
done
bx_ms=$(median <bx.ms); oi_ms=$(median <isocall.ms); op_ms=$(median <isoproc.ms)
awk -v bx="$bx_ms" -v oi="$oi_ms" -v op="$op_ms" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    printf "BenchExec RunExecutor, container mode, per run:   %.3f ms\n", bx
    printf "overhead of an isolated runner call:  %.3f ms = BenchExec / %.1f  (target: >= 20)\n", oi, bx / oi
    printf "overhead of an isolated misc exec:    %.3f ms = BenchExec / %.1f\n", op, bx / op
    printf "load average at the end: %s\n", load
}'

echo "== busy loop of 2 s CPU, isolated: BenchExec container mode vs misc namespaces, 3 runs each =="
for i in 1 2 3; do
    r=$(python3 "$HERE/runexec_container.py" cputime "$HOSTILE" busy 2 | sed -n 's/^cputime=\(.*\)s$/\1/p')
    m=$("${MISC_ISO[@]}" -- "$HOSTILE" busy 2 | sed -n 's/^cputime=\(.*\)s$/\1/p')
    awk -v r="$r" -v m="$m" -v i="$i" 'BEGIN {
        d = (m - r) / r * 100; if (d < 0) d = -d
        printf "run %d: BenchExec cputime=%.4f s  misc cputime=%.4f s  difference=%.2f %% (target: <= 2 %%)\n", i, r, m, d
    }'
done

#!/usr/bin/env bash
# slurm-smoke.sh - exercise a cluster started by slurm-up.sh: sbatch latency, a job
# array driven by a manifest, OOM / TIMEOUT / CANCELLED / non-zero exit classification without
# accounting, srun, sbatch --wait. Prints one PASS/FAIL line per check and "N passed, N failed".
#
# Usage:  slurm-smoke.sh [DIR] [--quick]     (--quick skips the ~90 s TIMEOUT check)
set -uo pipefail

QUICK=0; DIR=""
for a in "$@"; do case $a in --quick) QUICK=1 ;; *) DIR=$a ;; esac; done
DIR=${DIR:-${SLURM_LOCAL_DIR:-/tmp/slurm-misc}}
DIR=$(cd "$DIR" && pwd -P) || exit 1
export SLURM_CONF=$DIR/etc/slurm.conf
WORK=$(mktemp -d "$DIR/smoke.XXXXXX")
cd "$WORK" || exit 1
PASS=0; FAIL=0
ok()  { PASS=$((PASS+1)); echo "PASS  $*"; }
bad() { FAIL=$((FAIL+1)); echo "FAIL  $*"; }
now() { date +%s.%N; }
dt()  { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

# field JOBID NAME: one field of 'scontrol show job -o' (first array element for arrays)
field() { scontrol show job -o "$1" 2>/dev/null | head -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# wait_done JOBID [TIMEOUT_S]: until the job has left squeue (COMPLETING counts as not done)
wait_done() {
  local end=$(( $(date +%s) + ${2:-120} ))
  while [ -n "$(squeue -h -j "$1" -o %A 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.05
  done
}

# classify JOBID OUTFILE: final state as a harness would derive it without sacct.
# 1. scontrol (kept MinJobAge seconds after the end), 2. jobcomp/filetxt log, 3. the job's output file
classify() {
  local st ec
  st=$(field "$1" JobState); ec=$(field "$1" ExitCode)
  if [ -z "$st" ] && [ -f "$DIR/log/jobcomp.log" ]; then
    st=$(grep "^JobId=$1 " "$DIR/log/jobcomp.log" | tail -n 1 | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  fi
  # without cgroups the polling memory killer reports FAILED (Reason=JobLaunchFailure, 0:9);
  # the job's output file then carries slurmstepd's message
  if [ "$st" = FAILED ] && [ -f "$2" ] && grep -q 'exceeded memory limit' "$2"; then st=OUT_OF_MEMORY; fi
  if [ -z "$st" ] && [ -f "$2" ]; then
    if grep -q 'DUE TO TIME LIMIT' "$2"; then st=TIMEOUT
    elif grep -qE 'oom-kill event|exceeded memory limit' "$2"; then st=OUT_OF_MEMORY
    elif grep -q 'CANCELLED AT' "$2"; then st=CANCELLED
    fi
  fi
  echo "${st:-UNKNOWN} ${ec:-?}"
}

# ---- 0. node
s=$(sinfo -h -o %T | head -1)
[ "$s" = idle ] && ok "sinfo: node idle" || bad "sinfo: node state '$s'"

# ---- a. trivial job + latency (submit -> state COMPLETED visible)
t0=$(now); j=$(sbatch --parsable -o a-%j.out --wrap hostname); wait_done "$j"; t1=$(now)
if [ "$(cat "a-$j.out" 2>/dev/null)" = "$(hostname -s)" ] && [ "$(field "$j" JobState)" = COMPLETED ]; then
  ok "sbatch --wrap hostname: job $j COMPLETED in $(dt "$t0" "$t1")s"
else bad "sbatch --wrap hostname: $(field "$j" JobState) out='$(cat "a-$j.out" 2>/dev/null)'"; fi
lats=""
for _ in 1 2 3 4 5; do
  t0=$(now); j=$(sbatch --parsable -o /dev/null --wrap true); wait_done "$j"; t1=$(now)
  lats="$lats $(dt "$t0" "$t1")"
done
echo "      back-to-back trivial sbatch latencies (s):$lats"

# ---- d. srun
t0=$(now); out=$(srun hostname 2>&1); rc=$?; t1=$(now)
[ "$rc" = 0 ] && [ "$out" = "$(hostname -s)" ] && ok "srun hostname in $(dt "$t0" "$t1")s" || bad "srun hostname rc=$rc '$out'"
out=$(srun -n2 bash -c 'echo $SLURM_PROCID' 2>/dev/null | sort | tr '\n' ' ')
[ "$out" = "0 1 " ] && ok "srun -n2: ranks $out" || bad "srun -n2: '$out'"
srun bash -c 'exit 5' 2>/dev/null; rc=$?
[ "$rc" = 5 ] && ok "srun propagates exit code 5" || bad "srun exit code $rc"
jw=$(sbatch --parsable -n2 -o w-%j.out --wrap 'srun -n2 hostname; srun -n1 true')
wait_done "$jw"
[ "$(grep -c . "w-$jw.out")" = 2 ] && [ "$(field "$jw" JobState)" = COMPLETED ] && ok "srun steps inside sbatch" || bad "srun in sbatch: $(cat "w-$jw.out")"

# ---- c1. TIMEOUT (runs in the background of the other checks)
if [ "$QUICK" = 0 ]; then
  jt=$(sbatch --parsable --time=00:00:05 -o t-%j.out --wrap 'echo start; sleep 300; echo end')
  tt0=$(now)
fi

# ---- b. job array over a manifest: task i handles line i+1, writes results/<i>.txt
seq 0 9 | sed 's/^/solver-x problem-/' > manifest.txt
mkdir -p results logs
cat > task.sh <<'EOF'
#!/bin/bash
#SBATCH --job-name=smoke-array
#SBATCH --output=logs/%A_%a.out
#SBATCH --cpus-per-task=1
#SBATCH --mem=100M
set -eu
i=$SLURM_ARRAY_TASK_ID
line=$(sed -n "$((i + 1))p" manifest.txt)
tmp=results/.$i.tmp.$$
printf '%s\tnproc=%s\thost=%s\tjob=%s\n' "$line" "$(nproc)" "$(hostname)" "$SLURM_JOB_ID" > "$tmp"
mv "$tmp" "results/$i.txt"          # atomic publish: the collector never sees half a file
EOF
t0=$(now); ja=$(sbatch --parsable --array=0-9 task.sh); wait_done "$ja" 180; t1=$(now)
n=$(ls results/*.txt 2>/dev/null | wc -l)
if [ "$n" = 10 ] && grep -q 'problem-7' results/7.txt; then
  ok "array 0-9: 10 result files in $(dt "$t0" "$t1")s ($(cut -f2 results/0.txt))"
else bad "array 0-9: $n result files"; fi

# ---- c2. OUT_OF_MEMORY
jo=$(sbatch --parsable --mem=100M -o o-%j.out --wrap 'perl -e "\$x = q(a) x (400*1024*1024); sleep 3; print qq(survived\n)"')
wait_done "$jo"
r=$(classify "$jo" "o-$jo.out")
[ "${r%% *}" = OUT_OF_MEMORY ] && ok "--mem=100M, 400 MB used: $r (scontrol: $(field "$jo" JobState) $(field "$jo" Reason))" \
                              || bad "oom: $r; $(tail -n 2 "o-$jo.out" 2>/dev/null | tr '\n' ' ')"

# ---- CANCELLED
jc=$(sbatch --parsable -o c-%j.out --wrap 'sleep 300')
for _ in $(seq 1 100); do [ "$(field "$jc" JobState)" = RUNNING ] && break; sleep 0.1; done
scancel "$jc"; wait_done "$jc"
r=$(classify "$jc" "c-$jc.out")
[ "${r%% *}" = CANCELLED ] && ok "scancel: $r" || bad "scancel: $r"

# ---- non-zero exit
jf=$(sbatch --parsable -o f-%j.out --wrap 'exit 3'); wait_done "$jf"
r=$(classify "$jf" "f-$jf.out")
[ "$r" = "FAILED 3:0" ] && ok "exit 3: $r" || bad "exit 3: $r"

# ---- sbatch --wait
sbatch --wait -o /dev/null --wrap 'exit 7' >/dev/null 2>&1; rc=$?
[ "$rc" = 7 ] && ok "sbatch --wait returns the job's exit code (7)" || bad "sbatch --wait rc=$rc"

# ---- c1. TIMEOUT result
if [ "$QUICK" = 0 ]; then
  wait_done "$jt" 200; tt1=$(now)
  r=$(classify "$jt" "t-$jt.out")
  [ "${r%% *}" = TIMEOUT ] && ok "--time=00:00:05: $r after $(dt "$tt0" "$tt1")s (limit $(field "$jt" TimeLimit))" || bad "timeout: $r"
fi

rm -rf "$WORK"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]

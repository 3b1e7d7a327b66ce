#!/usr/bin/env bash
# slurm-up.sh - bring up a private single-node Slurm cluster (munged + slurmctld + slurmd)
# from a plain shell: no systemd, no accounting database. Idempotent: re-running it while the
# cluster is up only prints the status; after a crash or a stop it starts what is missing.
#
# Usage:  slurm-up.sh [DIR]
#   DIR   where config, munge key/socket, state, logs and pid files go
#         (default: $SLURM_LOCAL_DIR, else /tmp/slurm-misc). Keep it short: socket paths
#         inside it must stay under the 108-byte Unix socket limit.
# Environment (all optional):
#   SLURM_LOCAL_CGROUP=auto|v1|no  auto: proctrack/cgroup + task/cgroup if a usable cgroup v1
#                                  hierarchy (memory, freezer, cpuset, cpuacct) is mounted, else
#                                  proctrack/linuxproc + polling memory kill. v1: require it.
#   SLURM_LOCAL_CTLD_PORT=6817  SLURM_LOCAL_SLURMD_PORT=6818
#   SLURM_LOCAL_INSTALL=1       install missing Debian packages with apt-get (0: fail instead)
#   SLURM_LOCAL_EXTRA_CONF=...  extra lines appended to slurm.conf (e.g. "MaxArraySize=100001")
#   SLURM_LOCAL_TIMEOUT=60      seconds to wait for the node to become usable
# Afterwards:  . DIR/env.sh   (exports SLURM_CONF), then sinfo / sbatch / srun / squeue / scontrol.
# Stop with slurm-down.sh DIR [--purge].
set -euo pipefail

T_START=$(date +%s.%N)
log() { printf '[slurm-up %s] %s\n' "$(date +%T)" "$*"; }
die() { log "ERROR: $*"; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

[ "$(id -u)" = 0 ] || die "must run as root (daemons run as root in this setup)"

DIR=${1:-${SLURM_LOCAL_DIR:-/tmp/slurm-misc}}
CG_MODE=${SLURM_LOCAL_CGROUP:-auto}
CTLD_PORT=${SLURM_LOCAL_CTLD_PORT:-6817}
D_PORT=${SLURM_LOCAL_SLURMD_PORT:-6818}
WAIT_S=${SLURM_LOCAL_TIMEOUT:-60}
PKGS="munge slurmctld slurmd slurm-client"

# ---------------------------------------------------------------- packages
T_INSTALL=$(date +%s.%N)
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ "${SLURM_LOCAL_INSTALL:-1}" = 1 ] || die "missing packages:$missing (SLURM_LOCAL_INSTALL=0)"
  log "installing:$missing"
  # Keep the packages' maintainer scripts from starting system-wide daemons (without systemd,
  # invoke-rc.d would fall back to the sysv scripts and start a system munged on /run/munge).
  POLICY=/usr/sbin/policy-rc.d; made_policy=0
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod 755 "$POLICY"; made_policy=1
    trap 'rm -f "$POLICY"' EXIT
  fi
  rc=0
  {
    apt-get -q -o DPkg::Lock::Timeout=300 update &&
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
      install --no-install-recommends $missing
  } > /tmp/slurm-misc-apt.$$.log 2>&1 || rc=$?
  if [ "$made_policy" = 1 ]; then rm -f "$POLICY"; trap - EXIT; fi
  if [ "$rc" != 0 ]; then tail -n 20 /tmp/slurm-misc-apt.$$.log; die "apt-get failed (rc=$rc)"; fi
  rm -f /tmp/slurm-misc-apt.$$.log
  log "packages installed in $(elapsed "$T_INSTALL")s"
fi
for b in munged munge unmunge slurmctld slurmd sinfo sbatch; do
  command -v "$b" >/dev/null || die "$b not found after install"
done

# ---------------------------------------------------------------- layout
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
ETC=$DIR/etc; MUNGE=$DIR/munge; STATE=$DIR/state; RUN=$DIR/run; LOG=$DIR/log
CONF=$ETC/slurm.conf
SOCK=$MUNGE/munge.socket
export SLURM_CONF=$CONF
[ ${#SOCK} -lt 100 ] || die "DIR too long for a Unix socket path: $SOCK"
mkdir -p "$ETC" "$MUNGE" "$STATE/ctld" "$STATE/d" "$RUN" "$LOG"
# munged insists: socket dir traversable by all, key dir not writable by group/other, key 0400/0600
chmod 755 "$DIR" "$MUNGE"
if [ ! -s "$MUNGE/munge.key" ]; then
  (umask 077; head -c 1024 /dev/urandom > "$MUNGE/munge.key")
fi
chmod 400 "$MUNGE/munge.key"

# alive PIDFILE COMM: true if the pid in PIDFILE is a live (non-zombie) process named COMM.
# (PID 1 in a sandbox may reap orphans late, so a killed daemon can linger as a zombie.)
alive() {
  local pid st
  [ -s "$1" ] || return 1
  pid=$(tr -dc 0-9 < "$1"); [ -n "$pid" ] || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  st=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)
  [ "$st" != Z ] && [ "$st" != X ]
}

node_state() { sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -1; }

# ---------------------------------------------------------------- node facts
# slurmd -C prints this host as slurm.conf wants it:
#   NodeName=<short hostname> CPUs=.. Boards=.. SocketsPerBoard=.. CoresPerSocket=.. ThreadsPerCore=.. RealMemory=..
NODELINE=$(slurmd -C | head -1)
NODE=$(printf '%s\n' "$NODELINE" | sed -n 's/^NodeName=\([^ ]*\).*/\1/p')
CPUS=$(printf '%s\n' "$NODELINE" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
MEM=$(printf '%s\n' "$NODELINE" | sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')
[ -n "$NODE" ] && [ -n "$CPUS" ] && [ -n "$MEM" ] || die "cannot parse 'slurmd -C': $NODELINE"

if alive "$MUNGE/munged.pid" munged && alive "$RUN/slurmctld.pid" slurmctld && alive "$RUN/slurmd.pid" slurmd; then
  log "already running in $DIR"
  ALREADY=1
else
  ALREADY=0
fi

# ---------------------------------------------------------------- cgroup detection
cg_v1_ok() {
  [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] || return 1
  local c probe
  for c in memory freezer cpuset cpuacct; do
    [ "$(stat -fc %T "/sys/fs/cgroup/$c" 2>/dev/null)" = cgroupfs ] || return 1
    [ -w "/sys/fs/cgroup/$c/cgroup.procs" ] || return 1
  done
  probe=/sys/fs/cgroup/memory/slurm_local_probe_$$
  mkdir "$probe" 2>/dev/null || return 1
  rmdir "$probe"
}
case $CG_MODE in
  auto) if cg_v1_ok; then USE_CG=1; else USE_CG=0; fi ;;
  v1|yes) cg_v1_ok || die "SLURM_LOCAL_CGROUP=$CG_MODE but no usable cgroup v1 hierarchy"; USE_CG=1 ;;
  no) USE_CG=0 ;;
  *) die "SLURM_LOCAL_CGROUP must be auto, v1 or no" ;;
esac

# ---------------------------------------------------------------- config (only when not running)
if [ "$ALREADY" = 0 ]; then
  if [ "$USE_CG" = 1 ]; then
    LIMITS="ProctrackType=proctrack/cgroup
TaskPlugin=task/affinity,task/cgroup
JobAcctGatherType=jobacct_gather/cgroup"
    cat > "$ETC/cgroup.conf" <<EOF
# generated by slurm-up.sh
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
CgroupAutomount=no
ConstrainCores=yes
ConstrainRAMSpace=yes
ConstrainSwapSpace=no
ConstrainDevices=no
EOF
  else
    # no cgroups: memory is enforced by slurmstepd polling RSS every second (OverMemoryKill)
    LIMITS="ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill"
    rm -f "$ETC/cgroup.conf"
  fi
  cat > "$CONF" <<EOF
# generated by slurm-up.sh - single-node private cluster, no accounting database
ClusterName=local
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
# default batch_sched_delay=3 makes back-to-back sbatch jobs wait ~3 s; 0 gives ~1 s
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
# one line per finished job (JobState, ExitCode) - our substitute for sacct
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG/jobcomp.log
# finished jobs stay visible to 'scontrol show job' this long (Slurm default: 300 s)
MinJobAge=3600
$LIMITS
$NODELINE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=$((MEM / CPUS))
${SLURM_LOCAL_EXTRA_CONF:-}
EOF
fi

# ---------------------------------------------------------------- daemons
T_DAEMONS=$(date +%s.%N)
if ! alive "$MUNGE/munged.pid" munged; then
  rm -f "$MUNGE/munged.pid"
  munged --key-file="$MUNGE/munge.key" --socket="$SOCK" --pid-file="$MUNGE/munged.pid" \
         --log-file="$LOG/munged.log" --seed-file="$MUNGE/munged.seed" \
         </dev/null >>"$LOG/munged.out" 2>&1 || { tail -n 5 "$LOG/munged.log" "$LOG/munged.out"; die "munged failed"; }
  ok=0
  for _ in $(seq 1 100); do
    if munge -S "$SOCK" -n 2>/dev/null | unmunge -S "$SOCK" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  [ "$ok" = 1 ] || { tail -n 5 "$LOG/munged.log"; die "munge credential round trip failed"; }
  log "munged started (pid $(cat "$MUNGE/munged.pid"))"
fi
if ! alive "$RUN/slurmctld.pid" slurmctld; then
  rm -f "$RUN/slurmctld.pid"
  slurmctld -f "$CONF" </dev/null >>"$LOG/slurmctld.out" 2>&1 || { tail -n 20 "$LOG/slurmctld.log"; die "slurmctld failed"; }
  for _ in $(seq 1 100); do alive "$RUN/slurmctld.pid" slurmctld && break; sleep 0.1; done
  alive "$RUN/slurmctld.pid" slurmctld || { tail -n 20 "$LOG/slurmctld.log"; die "slurmctld did not stay up"; }
  log "slurmctld started (pid $(cat "$RUN/slurmctld.pid"))"
fi
if ! alive "$RUN/slurmd.pid" slurmd; then
  rm -f "$RUN/slurmd.pid"
  slurmd -f "$CONF" -N "$NODE" </dev/null >>"$LOG/slurmd.out" 2>&1 || { tail -n 20 "$LOG/slurmd.log"; die "slurmd failed"; }
  for _ in $(seq 1 100); do alive "$RUN/slurmd.pid" slurmd && break; sleep 0.1; done
  alive "$RUN/slurmd.pid" slurmd || { tail -n 20 "$LOG/slurmd.log"; die "slurmd did not stay up"; }
  log "slurmd started (pid $(cat "$RUN/slurmd.pid"))"
fi

# ---------------------------------------------------------------- wait for the node
deadline=$(( $(date +%s) + WAIT_S ))
state=""
while :; do
  state=$(node_state || true)
  case $state in idle*|mixed*|allocated*|completing*) break ;; esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    scontrol show node "$NODE" 2>&1 | sed 's/^/  /' || true
    tail -n 15 "$LOG/slurmctld.log" "$LOG/slurmd.log" || true
    die "node $NODE not usable after ${WAIT_S}s (state: ${state:-none})"
  fi
  sleep 0.1
done

printf 'export SLURM_CONF=%q\n' "$CONF" > "$DIR/env.sh"
[ "$ALREADY" = 1 ] || log "daemons up, node $state after $(elapsed "$T_DAEMONS")s (script total $(elapsed "$T_START")s)"
log "mode: $(grep -E '^(ProctrackType|TaskPlugin)=' "$CONF" | tr '\n' ' ')"
log "pids: munged=$(cat "$MUNGE/munged.pid") slurmctld=$(cat "$RUN/slurmctld.pid") slurmd=$(cat "$RUN/slurmd.pid")"
sinfo -N -o '%N %T %c %m %P'
echo "SLURM_CONF=$CONF    (source $DIR/env.sh)"

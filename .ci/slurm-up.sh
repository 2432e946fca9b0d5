#!/usr/bin/env bash
# Starts a single-node Slurm on this machine for SlurmClusterTest: munge, slurmctld and slurmd with
# a minimal slurm.conf (this host's CPUs and memory from `slurmd -C`, select/cons_tres, no
# accounting, no cgroups). Installs Debian's packages when missing (needs root and apt). Does
# nothing when Slurm already answers. Records what it started in $GRADREG_SLURM_STATE so that
# .ci/slurm-down.sh stops exactly that and nothing else. Exits non-zero, with one line saying why,
# when Slurm cannot be started.
set -euo pipefail
state="${GRADREG_SLURM_STATE:-/run/gradreg-slurm}"
conf=/etc/slurm/slurm.conf
marker="# gradreg single-node test cluster (written by .ci/slurm-up.sh)"
say() { echo "slurm-up: $*" >&2; }
fail() { say "$*"; exit 1; }

node_ready() {
  command -v sinfo >/dev/null 2>&1 || return 1
  local s
  s="$(timeout 10 sinfo -h -N -o %t 2>/dev/null | head -1)" || return 1
  case "$s" in idle*|mix*|alloc*|comp*) return 0 ;; *) return 1 ;; esac
}

if node_ready; then
  say "Slurm is running already ($(sinfo -h -N -o '%N %c CPUs %t' | head -1)); nothing started"
  exit 0
fi
[ "$(id -u)" = 0 ] || fail "cannot start Slurm: needs root (packages, daemons, /etc/slurm)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurmctld slurmd slurm-client munge (apt)"
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(slurmctld slurmd slurm-client munge)
  apt_install() { apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${pkgs[@]}" >/tmp/gradreg-slurm-apt.log 2>&1; }
  apt_install || { apt-get update -qq -o DPkg::Lock::Timeout=600 >>/tmp/gradreg-slurm-apt.log 2>&1 && apt_install; } \
    || fail "cannot install ${pkgs[*]} (see /tmp/gradreg-slurm-apt.log)"
fi

mkdir -p "$state"
touch "$state/started"
started() { echo "$1 $2" >>"$state/started"; }

# munge: Slurm's authentication. Started unless a munged already answers.
if ! (munge -n | unmunge) >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key || fail "cannot create /etc/munge/munge.key"
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged || fail "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  started munged "$(cat /run/munge/munged.pid)"
  (munge -n | unmunge) >/dev/null 2>&1 || fail "munge does not work (see /var/log/munge/munged.log)"
fi

host="$(hostname -s)"
if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
  fail "$conf exists and was not written by this script; not overwriting it (start that Slurm instead)"
fi
nodeline="$(slurmd -C | grep '^NodeName=')" || fail "slurmd -C did not describe this host"
cat >"$conf" <<CONF
$marker
ClusterName=gradreg-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
# No cgroups (containers rarely allow them): processes are tracked through /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
$nodeline State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm

if ! timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; then
  slurmctld || fail "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
  for _ in $(seq 100); do [ -s /run/slurmctld.pid ] && break; sleep 0.1; done
  started slurmctld "$(cat /run/slurmctld.pid)"
fi
if ! { [ -s /run/slurmd.pid ] && kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null; }; then
  slurmd || fail "slurmd did not start (see /var/log/slurm/slurmd.log)"
  for _ in $(seq 100); do [ -s /run/slurmd.pid ] && break; sleep 0.1; done
  started slurmd "$(cat /run/slurmd.pid)"
fi

for i in $(seq 60); do
  node_ready && { say "Slurm is up: $(sinfo -h -N -o '%N %c CPUs %m MB %t' | head -1)"; exit 0; }
  # A node that was down when slurmctld last saw it stays down until resumed.
  if [ "$i" = 10 ]; then scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true; fi
  sleep 1
done
fail "the node did not become idle within 60 s ($(sinfo -h -N -o '%N %t %E' 2>&1 | head -1)); see /var/log/slurm/"

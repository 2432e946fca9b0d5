#!/usr/bin/env bash
# Starts a two-node Slurm test cluster on this one machine for SlurmClusterTest (needs root):
#   - a bridge grbr0 with 10.77.0.254, where munged and slurmctld run (this machine's own
#     namespace: the "login node", from which the tests submit);
#   - node1 (10.77.0.1) and node2 (10.77.0.2): network namespaces gradreg-node1/2 on the bridge,
#     each with its own hostname, /etc/hosts and slurmd (.ci/slurm-node.sh), declared in
#     slurm.conf as NodeName/NodeAddr;
#   - the filesystem is shared by all three, as NFS or Lustre is on a real cluster.
# Traffic stays between these addresses: nothing else is contacted. task/cgroup confines CPUs and
# memory when the cgroup v1 hierarchies are writable; otherwise the cluster runs without cgroups
# and says so. Installs Debian's packages when missing. Records what it started in
# $GRADREG_SLURM_STATE (default /run/gradreg-slurm) and describes the cluster in
# $GRADREG_SLURM_STATE/cluster.env for the tests; .ci/slurm-down.sh stops exactly that. Exits
# non-zero, with one line saying why (the last line on stderr), when the cluster cannot be started,
# and then leaves nothing behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export GRADREG_SLURM_STATE="${GRADREG_SLURM_STATE:-/run/gradreg-slurm}"
state="$GRADREG_SLURM_STATE"
conf=/etc/slurm/slurm.conf
marker="# gradreg two-node test cluster (written by .ci/slurm-up.sh)"
old_marker="# gradreg single-node test cluster (written by .ci/slurm-up.sh)"
ctl_addr=10.77.0.254
nodes=(node1 node2)
say() { echo "slurm-up: $*" >&2; }
# A failure stops what was started so far and deletes the namespaces, then says why in one line.
fail() {
  local why="$*"
  trap - ERR INT TERM
  "$here/slurm-down.sh" >/dev/null 2>&1 || true
  say "$why"
  exit 1
}
trap 'fail "stopped at line $LINENO of .ci/slurm-up.sh"' ERR
trap 'fail "interrupted"' INT TERM

cluster_ready() {
  command -v sinfo >/dev/null 2>&1 && [ -s "$state/cluster.env" ] || return 1
  local s
  s="$(timeout 10 sinfo -h -N -o '%N %t' 2>/dev/null | sort -u | tr '\n' ' ')" || return 1
  [[ "$s" =~ ^node1\ (idle|mix|alloc)[^\ ]*\ node2\ (idle|mix|alloc)[^\ ]*\ $ ]]
}

if cluster_ready; then
  say "the two-node test cluster is running already ($(sinfo -h -N -o '%N %t' | sort -u | tr '\n' ' ')); nothing started"
  exit 0
fi
[ "$(id -u)" = 0 ] || fail "cannot start the test cluster: needs root (namespaces, packages, daemons, /etc/slurm)"
# Whatever an earlier start left behind (our namespaces, bridge, recorded daemons) goes first.
"$here/slurm-down.sh" >/dev/null 2>&1 || true
if [ -f "$conf" ] && ! grep -qxF -e "$marker" -e "$old_marker" "$conf"; then
  fail "$conf exists and was not written by this script; not overwriting it"
fi
if timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then
  fail "a Slurm not started by this script answers already; stop it first"
fi
if ip -o addr show | grep -q ' 10\.77\.0\.' || ip route show | grep -q '^10\.77\.0\.'; then
  fail "10.77.0.0/24 is in use on this machine already; not starting the test cluster there"
fi

# Namespaces first: without them there is nothing to start, and nothing is installed.
mkdir -p "$state"
touch "$state/started"
ip netns add gradreg-probe 2>"$state/netns.err" && ip netns delete gradreg-probe \
  || fail "the kernel refuses network namespaces (ip netns add: $(head -1 "$state/netns.err"))"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurmctld slurmd slurm-client munge (apt)"
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(slurmctld slurmd slurm-client munge)
  apt_install() { apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${pkgs[@]}" >/tmp/gradreg-slurm-apt.log 2>&1; }
  apt_install || { apt-get update -qq -o DPkg::Lock::Timeout=600 >>/tmp/gradreg-slurm-apt.log 2>&1 && apt_install; } \
    || fail "cannot install ${pkgs[*]} (see /tmp/gradreg-slurm-apt.log)"
fi

# The network: a bridge for the controller, a namespace and a veth pair per node.
if ! ip link show grbr0 >/dev/null 2>&1; then
  ip link add grbr0 type bridge || fail "cannot create the bridge grbr0"
fi
ip addr replace "$ctl_addr/24" dev grbr0
ip link set grbr0 up
cat >"$state/hosts" <<HOSTS
127.0.0.1 localhost
10.77.0.1 node1
10.77.0.2 node2
$ctl_addr $(hostname -s)
HOSTS
for node in "${nodes[@]}"; do
  "$here/slurm-node.sh" net "$node" 2>"$state/node.err" || fail "$(tail -1 "$state/node.err")"
done

# munge: Slurm's authentication. Its socket is a file, so the nodes' slurmds reach it too.
if ! (munge -n | unmunge) >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key || fail "cannot create /etc/munge/munge.key"
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged || fail "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  echo "munged $(cat /run/munge/munged.pid)" >>"$state/started"
  (munge -n | unmunge) >/dev/null 2>&1 || fail "munge does not work (see /var/log/munge/munged.log)"
fi

# cgroups: Slurm 22.05 confines tasks through the cgroup v1 hierarchies (its cgroup/v2 plugin needs
# systemd to delegate a subtree). Used when cpuset and memory are mounted and writable here.
cgroups="no"
fs="$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo none)"
if [ "$fs" = cgroup2fs ]; then
  cgroups="no: this kernel offers only cgroup v2, and Slurm 22.05's cgroup/v2 plugin needs systemd to delegate a subtree"
elif ! [ -d /sys/fs/cgroup/cpuset ] || ! [ -d /sys/fs/cgroup/memory ] || ! [ -d /sys/fs/cgroup/freezer ]; then
  cgroups="no: the cgroup v1 cpuset, memory and freezer hierarchies are not all mounted under /sys/fs/cgroup"
elif ! mkdir /sys/fs/cgroup/cpuset/gradreg-probe 2>/dev/null; then
  cgroups="no: /sys/fs/cgroup/cpuset is not writable here"
else
  rmdir /sys/fs/cgroup/cpuset/gradreg-probe
  cgroups="yes"
fi
if [ "$cgroups" = yes ]; then
  task_plugin="task/cgroup,task/affinity"
  proctrack="proctrack/cgroup"
  cat >/etc/slurm/cgroup.conf <<CG
$marker
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
ConstrainCores=yes
ConstrainRAMSpace=yes
CG
else
  task_plugin="task/none"
  proctrack="proctrack/linuxproc"
  rm -f /etc/slurm/cgroup.conf
fi

nodeline="$(slurmd -C | grep '^NodeName=' | sed -E 's/^NodeName=[^ ]+ //; s/ UpTime=.*//')" || fail "slurmd -C did not describe this host"
mkdir -p /etc/slurm /var/log/slurm "$state/ctld"
{
  cat <<CONF
$marker
ClusterName=gradreg-test
SlurmctldHost=$(hostname -s)($ctl_addr)
SlurmUser=root
AuthType=auth/munge
# Job credentials live 15 s (default 120 s), which is also how long a requeued job waits before it
# starts again. The tests wait for that: a requeued job forced to start in the same second is
# killed by slurmd ("Job credential revoked").
AuthInfo=cred_expire=15
ProctrackType=$proctrack
TaskPlugin=$task_plugin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
# A node that stops answering is DOWN after 20 s (Slurm's default is 300 s), and its jobs are
# requeued; it comes back by itself when its slurmd registers again. Like the default, this is
# longer than the workers' --dist-timeout, so the survivors of a lost node stop first.
SlurmdTimeout=20
ReturnToService=2
MinJobAge=600
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/%n/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/%n/slurmd.pid
SlurmctldLogFile=/var/log/slurm/gradreg-slurmctld.log
SlurmdLogFile=/var/log/slurm/gradreg-slurmd-%n.log
CONF
  for node in "${nodes[@]}"; do
    echo "NodeName=$node NodeAddr=10.77.0.${node#node} NodeHostname=$node $nodeline State=UNKNOWN"
  done
  echo "PartitionName=test Nodes=node[1-2] Default=YES MaxTime=INFINITE State=UP"
} >"$conf"

slurmctld -i || fail "slurmctld did not start (see /var/log/slurm/gradreg-slurmctld.log)"
for _ in $(seq 100); do [ -s "$state/slurmctld.pid" ] && break; sleep 0.1; done
[ -s "$state/slurmctld.pid" ] || fail "slurmctld wrote no pid file (see /var/log/slurm/gradreg-slurmctld.log)"
echo "slurmctld $(cat "$state/slurmctld.pid")" >>"$state/started"
for node in "${nodes[@]}"; do
  "$here/slurm-node.sh" start "$node" 2>"$state/node.err" || fail "$(tail -1 "$state/node.err")"
done

{
  echo "# the two-node test cluster, for SlurmClusterTest (written by .ci/slurm-up.sh)"
  echo "nodes=${nodes[*]}"
  for node in "${nodes[@]}"; do echo "$node=10.77.0.${node#node}"; done
  echo "controller=$ctl_addr"
  echo "node_script=$here/slurm-node.sh"
  echo "cgroups=$cgroups"
} >"$state/cluster.env.tmp"
for i in $(seq 60); do
  if [ "$(timeout 10 sinfo -h -N -o '%N %t' 2>/dev/null | sort -u | grep -cE ' (idle|mix|alloc)')" = 2 ]; then
    mv "$state/cluster.env.tmp" "$state/cluster.env"
    trap - ERR INT TERM
    say "two-node Slurm is up: $(sinfo -h -N -o '%N %c CPUs %t' | sort -u | tr '\n' ';' | sed 's/;$//; s/;/; /g') (node1 10.77.0.1, node2 10.77.0.2); cgroups $cgroups"
    exit 0
  fi
  sleep 1
done
fail "the nodes did not become idle within 60 s ($(sinfo -h -N -o '%N %t %E' 2>&1 | sort -u | tr '\n' ' ')); see /var/log/slurm/gradreg-*.log"

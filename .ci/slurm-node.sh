#!/usr/bin/env bash
# One node of the two-node test cluster that .ci/slurm-up.sh builds (see there). Each node is a
# network namespace gradreg-NODE holding eth0 (10.77.0.N, bridged to slurmctld's 10.77.0.254) and
# its own slurmd, started in a UTS namespace with hostname NODE and a mount namespace where
# /etc/hosts is the cluster's (node1, node2, the controller). Everything else (the filesystem,
# /tmp, ~/.m2, munge's socket) is the machine's: the "shared filesystem" of a real cluster.
#
#   slurm-node.sh net NODE     create the namespace and its link (idempotent)
#   slurm-node.sh start NODE   start the node's slurmd (its link up first)
#   slurm-node.sh lose NODE    the node drops off the network: its link goes down, then every
#                              process in it (slurmd, slurmstepd, tasks) is killed with SIGKILL
#   slurm-node.sh delete NODE  kill what runs in the namespace, delete it and its link
set -euo pipefail
state="${GRADREG_SLURM_STATE:-/run/gradreg-slurm}"
prefix=10.77.0
bridge=grbr0
say() { echo "slurm-node: $*" >&2; }
fail() { say "$*"; exit 1; }

[ $# = 2 ] || fail "usage: slurm-node.sh net|start|lose|delete NODE"
cmd="$1"
node="$2"
[[ "$node" =~ ^node([1-9])$ ]] || fail "unknown node '$node' (node1 .. node9)"
n="${BASH_REMATCH[1]}"
ns="gradreg-$node"
veth="grv$n"
addr="$prefix.$n"

kill_all() {
  local pids
  pids="$(ip netns pids "$ns" 2>/dev/null || true)"
  [ -z "$pids" ] && return 0
  # shellcheck disable=SC2086
  kill -9 $pids 2>/dev/null || true
  for _ in $(seq 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0; sleep 0.1; done
  fail "processes in $ns did not die: $(ip netns pids "$ns" | tr '\n' ' ')"
}

case "$cmd" in
  net)
    if ! ip netns list | grep -qw "^$ns"; then
      ip netns add "$ns" 2>"$state/netns.err" || fail "the kernel refuses network namespaces (ip netns add: $(head -1 "$state/netns.err"))"
    fi
    if ! ip link show "$veth" >/dev/null 2>&1; then
      ip link add "$veth" type veth peer name eth0 netns "$ns" || fail "cannot create the veth pair $veth/eth0 for $node"
      ip -n "$ns" addr add "$addr/24" dev eth0
    fi
    ip link set "$veth" master "$bridge" up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ;;
  start)
    ip netns list | grep -qw "^$ns" || fail "no namespace $ns: run slurm-node.sh net $node first"
    ip link set "$veth" up
    ip -n "$ns" link set eth0 up
    mkdir -p "$state/$node/spool"
    pidfile="$state/$node/slurmd.pid"
    rm -f "$pidfile"
    # nsenter enters only the network namespace (ip netns exec would also remount /sys, hiding the
    # cgroup hierarchies); unshare gives the node its hostname and its /etc/hosts.
    nsenter --net="/run/netns/$ns" unshare --uts --mount --propagation private \
      sh -c "mount --bind '$state/hosts' /etc/hosts && hostname '$node' && exec slurmd -N '$node'" \
      || fail "slurmd for $node did not start (see /var/log/slurm/gradreg-slurmd-$node.log)"
    for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.1; done
    [ -s "$pidfile" ] || fail "slurmd for $node wrote no pid file (see /var/log/slurm/gradreg-slurmd-$node.log)"
    ;;
  lose)
    ip link set "$veth" down
    kill_all
    ;;
  delete)
    if ip netns list | grep -qw "^$ns"; then
      kill_all
      ip netns delete "$ns"
    fi
    if ip link show "$veth" >/dev/null 2>&1; then ip link delete "$veth"; fi
    ;;
  *) fail "unknown command '$cmd' (net, start, lose, delete)" ;;
esac

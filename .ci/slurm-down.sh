#!/usr/bin/env bash
# Stops what .ci/slurm-up.sh started, and nothing else: every process inside the namespaces
# gradreg-node1/2 (the nodes' slurmds and whatever their jobs left), the namespaces and their veth
# pairs, the bridge grbr0, then slurmctld and munged by the pids slurm-up.sh recorded. Removes the
# cgroups Slurm made for its jobs (empty once the nodes are gone). The packages, slurm.conf and the
# logs in /var/log/slurm stay, so the next start is quick.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export GRADREG_SLURM_STATE="${GRADREG_SLURM_STATE:-/run/gradreg-slurm}"
state="$GRADREG_SLURM_STATE"
say() { echo "slurm-down: $*" >&2; }

for node in node1 node2; do
  if ip netns list 2>/dev/null | grep -qw "^gradreg-$node" || ip link show "grv${node#node}" >/dev/null 2>&1; then
    "$here/slurm-node.sh" delete "$node" && say "stopped $node (its namespace, processes and link are gone)"
  fi
done
if ip link show grbr0 >/dev/null 2>&1; then
  ip link delete grbr0 && say "deleted the bridge grbr0"
fi

# Reverse order: slurmctld, then munged.
if [ -f "$state/started" ]; then
  tac "$state/started" | while read -r name pid; do
    if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ]; then
      kill "$pid"
      for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
      say "stopped $name ($pid)"
    fi
  done
fi

# Job cgroups (task/cgroup): Slurm's subtrees in each v1 hierarchy (slurm_node1, slurm_node2: one
# per slurmd), empty now that their processes are gone; removed deepest first.
if [ -f /etc/slurm/cgroup.conf ] && grep -qF "# gradreg two-node test cluster" /etc/slurm/cgroup.conf; then
  for d in /sys/fs/cgroup/*/slurm /sys/fs/cgroup/*/slurm_node[0-9]; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
fi
rm -rf "$state"
exit 0

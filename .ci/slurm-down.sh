#!/usr/bin/env bash
# Stops what .ci/slurm-up.sh started (the daemons it recorded, by pid), and nothing else. The
# packages, /etc/slurm/slurm.conf and Slurm's state directories stay, so the next start is quick.
set -euo pipefail
state="${GRADREG_SLURM_STATE:-/run/gradreg-slurm}"
[ -f "$state/started" ] || { echo "slurm-down: nothing was started by slurm-up.sh" >&2; exit 0; }
# Reverse order: slurmd, slurmctld, then munged.
tac "$state/started" | while read -r name pid; do
  if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ]; then
    kill "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    echo "slurm-down: stopped $name ($pid)" >&2
  fi
done
rm -rf "$state"

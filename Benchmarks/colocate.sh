#!/usr/bin/env bash
# Runs one `QueueBenchmarks profile-run` with the process on CPU 0 and its SQLite checkpoint
# thread (qf-checkpoint) moved to CPU 1: the layout in which the sending tasks, Swift's pool
# threads and the store thread hand work to each other without waking another CPU. An
# experiment for BENCHMARKS.md ("Session 6: what bounds single sends"), not a way to run hosts.
#
# usage: Benchmarks/colocate.sh [sends|e2e|fill] [COUNT]     (defaults: sends 200000)
# Environment: QUEUEBENCH_BIN (default .build/release/QueueBenchmarks).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-sends}
count=${2:-200000}
bin=${QUEUEBENCH_BIN:-$root/.build/release/QueueBenchmarks}
command -v taskset >/dev/null || { echo "colocate.sh: taskset is missing (apt-get install util-linux)" >&2; exit 1; }
[ -x "$bin" ] || { echo "colocate.sh: $bin is missing; build it: swift build -c release --product QueueBenchmarks" >&2; exit 1; }
[ "$(nproc --all)" -ge 2 ] || { echo "colocate.sh: needs 2 CPUs" >&2; exit 1; }

taskset -c 0 "$bin" profile-run "$mode" sqlite "$count" &
pid=$!
moved=no
for _ in $(seq 1 400); do
  for task in /proc/$pid/task/*; do
    if [ "$(cat "$task/comm" 2>/dev/null)" = qf-checkpoint ]; then
      taskset -p -c 1 "${task##*/}" >/dev/null && moved=yes
      break 2
    fi
  done
  sleep 0.005
done
wait "$pid"
echo "colocate.sh: checkpoint thread moved to CPU 1: $moved"

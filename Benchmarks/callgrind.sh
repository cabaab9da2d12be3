#!/usr/bin/env bash
# Instructions per message, counted by valgrind's callgrind: the stable figure on a
# shared, noisy machine (wall-clock rates drift 2x from day to day; instruction counts
# move by a fraction of a percent).
#
# usage: Benchmarks/callgrind.sh [SQLITE_MESSAGES] [MEMORY_MESSAGES] [SEND_MESSAGES]
#        (defaults 20000 100000 10000; about 2 minutes on a quiet 2-core machine)
#
# It runs the release QueueBenchmarks under callgrind, one fixed run each:
#   profile-run fill  ENGINE N   sends N messages, 100 per call
#   profile-run e2e   ENGINE N   the same, then drains them with the real host
#                                (2 workers, batch 10, no-op RawBody handler)
#   profile-run sends sqlite N   N single sends from 8 concurrent tasks
#   profile-run fill  ENGINE 100 the fixed cost (process start, opening the store)
# and prints, per message:
#   fill  = (fill(N) - fill(100)) / (N - 100)
#   drain = (e2e(N) - fill(N)) / N          the host's work alone
#   e2e   = fill + drain
#   sends = (sends(N) - fill(100)) / N
# then the top functions of each e2e run, inclusive and self, demangled.
#
# Environment: QUEUEBENCH_BIN (default .build/release/QueueBenchmarks, built when missing),
# CALLGRIND_OUT (a folder for the callgrind.out files; default a fresh one under /tmp),
# TOP (how many functions to list; default 10).
# Valgrind runs the threads one at a time, so group commit coalesces differently than on
# 2 cores: compare these figures with each other, not with the wall-clock rates.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sqlite_n=${1:-20000}
memory_n=${2:-100000}
send_n=${3:-10000}
top=${TOP:-10}
bin=${QUEUEBENCH_BIN:-$root/.build/release/QueueBenchmarks}
out=${CALLGRIND_OUT:-$(mktemp -d /tmp/queuefunctions-callgrind.XXXXXX)}
mkdir -p "$out"

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
if [ ! -x "$bin" ]; then
  echo "callgrind.sh: building $bin (release)" >&2
  swift build -c release --product QueueBenchmarks --package-path "$root" >&2
fi

# Runs one profile under callgrind; prints the instructions it collected.
profile() { # name phase engine count
  local name=$1 log="$out/$1.log"
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.out" \
    "$bin" profile-run "$2" "$3" "$4" >"$log" 2>&1 || { echo "callgrind.sh: $name failed; see $log" >&2; exit 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log" | tail -1
}

per() { # numerator denominator
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'
}

echo "callgrind.sh: profiles in $out" >&2
for engine in sqlite memory; do
  n=$sqlite_n; [ "$engine" = memory ] && n=$memory_n
  base=$(profile "$engine-base" fill "$engine" 100)
  fill=$(profile "$engine-fill" fill "$engine" "$n")
  e2e=$(profile "$engine-e2e" e2e "$engine" "$n")
  fill_per=$(per $((fill - base)) $((n - 100)))
  drain_per=$(per $((e2e - fill)) "$n")
  printf '%-7s messages %-7s instructions/message: fill %6s  drain %6s  e2e %6s\n' \
    "$engine" "$n" "$fill_per" "$drain_per" $((fill_per + drain_per))
  [ "$engine" = sqlite ] && sqlite_base=$base
done
sends=$(profile sqlite-sends sends sqlite "$send_n")
printf '%-7s messages %-7s instructions/message: single sends from 8 tasks %s\n' \
  sqlite "$send_n" "$(per $((sends - sqlite_base)) "$send_n")"

demangle() { if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi; }
# The top functions of one callgrind file: "Ir (percent) name", without file paths, with
# the thread and runtime wrappers every job runs under, and async partials' repeats, left out.
functions() { # file inclusive(yes|no)
  callgrind_annotate --inclusive="$2" "$1" 2>/dev/null \
    | awk '/^-+$/ { rule++; next } rule >= 3 && NF' \
    | grep -E '^ *[0-9,]+ \(' \
    | sed -E 's/^ *([0-9,]+) \( *([0-9.]+)%\) +[^ :]*:/\1 (\2%) /; s/ \[[^]]*\]$//' \
    | awk '{ p = $2; gsub(/[()%]/, "", p); if (p + 0 <= 100) print }' \
    | grep -v -E "PROGRAM TOTALS|start_thread|_dispatch_|swift_run_job|jobInvoke|runJobInEstablished|swift_task_switch|\(below main\)|'[0-9]+$" \
    | demangle | grep -v -E "NSThreadStart|Thread\.main\(\)|\) partial apply for " \
    | awk '{ name = $0; sub(/^[^)]*\) /, "", name); if (!seen[name]++) print }' \
    | head -n "$top" | cut -c1-160
}
for engine in sqlite memory; do
  for kind in inclusive self; do
    flag=no; [ "$kind" = inclusive ] && flag=yes
    echo
    echo "== $engine e2e ($([ $engine = sqlite ] && echo "$sqlite_n" || echo "$memory_n") messages): top $top functions, $kind instructions"
    # head ends the pipe early on purpose; that is not a failure.
    functions "$out/$engine-e2e.out" $flag || true
  done
done

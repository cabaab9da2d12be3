#!/usr/bin/env bash
# Longer fuzzing runs with libFuzzer (swiftc -sanitize=fuzzer,address), beside the seeded,
# bounded fuzz tests of `swift test` (Tests/QueueFunctionsTests/Fuzz).
#
#   Tests/Fuzz/run-libfuzzer.sh [manifest|http|all] [SECONDS]
#
# Builds one fuzzer per target from the module's sources and a small entry file (not part
# of the SwiftPM build), seeds a corpus, and runs it for SECONDS (default 60). Work files go
# to .build/libfuzzer/; a crash leaves its input there as crash-* and exits non-zero.
set -euo pipefail

target="${1:-all}"
seconds="${2:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/.build/libfuzzer"
mkdir -p "$work"

build() { # name module-dir entry-file
    local name="$1" sources="$2" entry="$3"
    echo "building $name fuzzer..."
    # shellcheck disable=SC2046
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -package-name QueueFunctions -module-name "Fuzz_$name" \
        $(find "$root/$sources" -name '*.swift' | sort) "$root/Tests/Fuzz/$entry" -o "$work/$name-fuzzer" 2>&1 \
        | { grep -v "Cannot export local symbol '__asan" || true; }
    [[ -x "$work/$name-fuzzer" ]]
}

run() { # name
    local name="$1" corpus="$work/$1-corpus"
    echo "running $name fuzzer for ${seconds}s (corpus $corpus)..."
    (cd "$work" && "./$name-fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$corpus") 2>&1 | tee "$work/$name.log" | grep -E "^#[0-9]+[[:space:]]+(DONE|INITED)|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|crash-|Test unit written" || true
    grep -q "ERROR: \|SUMMARY: " "$work/$name.log" && { echo "$name fuzzer found a problem; see $work/$name.log"; return 1; }
    return 0
}

seed_manifest() {
    mkdir -p "$work/manifest-corpus"
    cp "$root/functions.json" "$work/manifest-corpus/sample.json"
    printf '{"queues": [{"name": "a", "visibility_timeout": "1e300s"}], "functions": []}' > "$work/manifest-corpus/huge.json"
    printf '1e300s' > "$work/manifest-corpus/duration.txt"
}

seed_http() {
    mkdir -p "$work/http-corpus"
    printf '\x05POST /api/queues/jobs/messages?delay=30s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}' > "$work/http-corpus/post"
    printf '\x01POST /jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' > "$work/http-corpus/chunked"
    printf '\x10GET /api?limit=99999999999999999999 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n' > "$work/http-corpus/expect"
}

status=0
if [[ "$target" == manifest || "$target" == all ]]; then
    build manifest Sources/QueueFunctions ManifestFuzzEntry.swift
    seed_manifest
    run manifest || status=1
fi
if [[ "$target" == http || "$target" == all ]]; then
    build http Sources/QueueFunctionsHTTP HTTPParserFuzzEntry.swift
    seed_http
    run http || status=1
fi
exit $status

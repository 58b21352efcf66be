#!/usr/bin/env bash
# idle.sh <server dir> <label> [port] [gcdump:yes]
set -u
SERVER_DIR="$1"; LABEL="$2"; PORT="${3:-8391}"; DUMP="${4:-}"
ulimit -n 20000
KEY=benchmark-signing-key-0123456789-abcdefghijklmnop
DATA=$(mktemp -d)
OUT=/tmp/perf/runs; mkdir -p $OUT
Switchboard__DataDirectory="$DATA" Switchboard__Auth__SigningKey="$KEY" Switchboard__Limits__RateLimitPerSecond=1000000 Switchboard__Limits__RateLimitBurst=1000000 Logging__LogLevel__Default=Warning \
  dotnet "$SERVER_DIR/Switchboard.ReferenceServer.dll" --urls "http://127.0.0.1:$PORT" > $OUT/$LABEL.server.log 2>&1 &
SPID=$!
for i in $(seq 1 150); do curl -fsS -o /dev/null http://127.0.0.1:$PORT/health 2>/dev/null && break; sleep 0.2; done
HOLD=5s; [ -n "$DUMP" ] && HOLD=40s
dotnet benchmarks/Switchboard.LoadTest/bin/Release/net10.0/Switchboard.LoadTest.dll idle --target switchboard --url ws://127.0.0.1:$PORT --signing-key $KEY --server-pid $SPID --heap-url "http://127.0.0.1:$PORT/stats?gc=1" --heap-field heap_bytes --duration $HOLD --json $OUT/$LABEL.json --quiet > $OUT/$LABEL.txt 2>&1 &
LPID=$!
if [ -n "$DUMP" ]; then
  # wait until 10,000 are connected, then dump
  for i in $(seq 1 600); do c=$(curl -fsS http://127.0.0.1:$PORT/stats 2>/dev/null | python3 -c 'import sys,json;print(json.load(sys.stdin)["connections"])' 2>/dev/null); [ "${c:-0}" -ge 10000 ] && break; sleep 1; done
  sleep 3
  dotnet-tools/dotnet-gcdump collect -p $SPID -o $OUT/$LABEL.gcdump > $OUT/$LABEL.gcdump.log 2>&1
  dotnet-tools/dotnet-gcdump report $OUT/$LABEL.gcdump > $OUT/$LABEL.gcdump.txt 2>&1
fi
wait $LPID
kill -TERM $SPID; sleep 2; kill -KILL $SPID 2>/dev/null; wait $SPID 2>/dev/null
rm -rf "$DATA"
grep -E "kib_per_connection|heap|rss|connect_seconds|errors|open_at_end" $OUT/$LABEL.txt

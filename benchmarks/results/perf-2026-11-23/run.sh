#!/usr/bin/env bash
# usage: run.sh <label> <scenario> [extra args...]   (starts a fresh switchboard on 8190, runs the scenario, stops it)
set -u
ROOT=/work/main; cd $ROOT
label=$1; scen=$2; shift 2
ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn)
D=$(mktemp -d)
Switchboard__DataDirectory=$D Switchboard__Auth__SigningKey=benchmark-signing-key-0123456789-abcdefghijklmnop \
Switchboard__Limits__RateLimitPerSecond=1000000 Switchboard__Limits__RateLimitBurst=1000000 Logging__LogLevel__Default=Warning \
 ${SBENV:-} dotnet src/ReferenceServer/bin/Release/net10.0/Switchboard.ReferenceServer.dll --urls http://127.0.0.1:8190 > /tmp/perf/$label-$scen.server.log 2>&1 &
PID=$!
for i in $(seq 1 150); do curl -fsS -o /dev/null http://127.0.0.1:8190/health 2>/dev/null && break; sleep 0.2; done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
extra=()
[ "$scen" = idle ] && extra=(--server-pid $PID --duration 5s)
printf 'benchmark-signing-key-0123456789-abcdefghijklmnop' > /tmp/perf/key
dotnet benchmarks/Switchboard.LoadTest/bin/Release/net10.0/Switchboard.LoadTest.dll $scen --url ws://127.0.0.1:8190 --target switchboard --signing-key-file /tmp/perf/key "${extra[@]}" --json /tmp/perf/$label-$scen.json "$@" 2>&1 | tail -25
kill -TERM $PID; for i in $(seq 1 50); do kill -0 $PID 2>/dev/null || break; sleep 0.2; done; kill -KILL $PID 2>/dev/null; wait $PID 2>/dev/null
rm -rf $D

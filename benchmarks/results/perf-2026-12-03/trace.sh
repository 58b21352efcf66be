#!/usr/bin/env bash
set -u
PORT=8395; KEY=benchmark-signing-key-0123456789-abcdefghijklmnop; DATA=$(mktemp -d); OUT=/tmp/perf/runs
Switchboard__DataDirectory="$DATA" Switchboard__Auth__SigningKey="$KEY" Switchboard__Limits__RateLimitPerSecond=1000000 Switchboard__Limits__RateLimitBurst=1000000 Logging__LogLevel__Default=Warning \
  dotnet /tmp/perf/server-v1/Switchboard.ReferenceServer.dll --urls "http://127.0.0.1:$PORT" > $OUT/trace.server.log 2>&1 &
SPID=$!
for i in $(seq 1 150); do curl -fsS -o /dev/null http://127.0.0.1:$PORT/health 2>/dev/null && break; sleep 0.2; done
dotnet benchmarks/Switchboard.LoadTest/bin/Release/net10.0/Switchboard.LoadTest.dll private --target switchboard --url ws://127.0.0.1:$PORT --signing-key $KEY --duration 25s --json $OUT/private.json --quiet > $OUT/private.txt 2>&1 &
LPID=$!
sleep 12
dotnet-tools/dotnet-trace collect -p $SPID --profile dotnet-sampled-thread-time --duration 00:00:00:12 -o $OUT/private.nettrace > $OUT/trace.log 2>&1 || dotnet-tools/dotnet-trace collect -p $SPID --duration 00:00:00:12 -o $OUT/private.nettrace >> $OUT/trace.log 2>&1
wait $LPID
kill -TERM $SPID; sleep 2; kill -KILL $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -rf "$DATA"
dotnet-tools/dotnet-trace report $OUT/private.nettrace topN -n 40 --inclusive > $OUT/private.top-incl.txt 2>&1
dotnet-tools/dotnet-trace report $OUT/private.nettrace topN -n 40 > $OUT/private.top-excl.txt 2>&1
grep -E "delivered_per_s|p99_ms|errors" $OUT/private.txt

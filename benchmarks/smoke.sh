#!/usr/bin/env bash
# CI smoke: keeps the load scenarios and the micro-benchmarks working; asserts no timing.
# Starts the reference server itself (temporary data directory, fixed benchmark signing key, loopback port 8180),
# runs every load scenario in --smoke mode (tiny counts, ~1-2 s each; a scenario fails on any error or when nothing
# was delivered), stops the server, then runs every micro-benchmark once (BenchmarkDotNet Dry job, in-process).
# Target: well under 3 minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source benchmarks/lib.sh
raise_fd_limit
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
start=$(date +%s)

echo "== smoke: build"
dotnet build benchmarks/Switchboard.LoadTest/Switchboard.LoadTest.csproj -c Release -v q --nologo | tail -1
dotnet build src/ReferenceServer/Switchboard.ReferenceServer.csproj -c Release -v q --nologo | tail -1
dotnet build benchmarks/Switchboard.Benchmarks/Switchboard.Benchmarks.csproj -c Release -v q --nologo | tail -1

out="$(mktemp -d)"
trap 'stop_server; rm -rf "$out"' EXIT
echo "== smoke: load scenarios against the reference server"
start_server switchboard "$out/server.log"
failed=0
for scenario in echo fanout private idle connrate; do
  if timeout 60 dotnet "$LOADTEST_DLL" "$scenario" --smoke --quiet --target switchboard --url "ws://127.0.0.1:${TARGET_PORT[switchboard]}" \
      --signing-key "$SB_SIGNING_KEY" --server-pid "$SERVER_PID" --json "$out/$scenario.json" > "$out/$scenario.txt" 2>&1; then
    echo "   $scenario ok"
  else
    echo "   $scenario FAILED:"; sed 's/^/     /' "$out/$scenario.txt" | tail -25
    failed=1
  fi
done
stop_server
if [ "$failed" -ne 0 ]; then echo "server log tail:"; tail -30 "$out/server.log" || true; exit 1; fi

echo "== smoke: report over the smoke runs"
dotnet "$LOADTEST_DLL" report --in "$out" --out "$out/report" > /dev/null

echo "== smoke: micro-benchmarks (Dry job, in-process)"
(cd "$out" && timeout 150 dotnet "$ROOT/benchmarks/Switchboard.Benchmarks/bin/Release/net10.0/Switchboard.Benchmarks.dll" \
  --filter '*' --job Dry --inProcess --noOverwrite > "$out/bdn.txt" 2>&1) || { tail -40 "$out/bdn.txt"; exit 1; }
grep -E "^\| *[A-Za-z]" "$out/bdn.txt" | head -3 >/dev/null || true
echo "   micro-benchmarks ok"
echo "== smoke done in $(( $(date +%s) - start )) s"

#!/usr/bin/env bash
# Proves the conformance runner installs and works as a .NET tool without the repository:
#   1. dotnet pack conformance/Switchboard.Conformance into a temp folder,
#   2. dotnet tool install --tool-path <tmp> Switchboard.Conformance --add-source <folder>,
#   3. switchboard-conformance --help, a usage error (exit 2), and a run with --case 'echo.*' (plus JUnit and HTML
#      reports) against a reference server started here on a loopback port.
# Every wait is bounded; the server and temp folders are removed on exit. Used by .ci/run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "-- pack"
dotnet pack conformance/Switchboard.Conformance/Switchboard.Conformance.csproj -c Release -o "$work/packages" -v q --nologo | tail -1
echo "-- install (tool path $work/tools)"
# A private package folder: a stale Switchboard.Conformance of the same version in the global cache is never used.
NUGET_PACKAGES="$work/nuget" dotnet tool install --tool-path "$work/tools" Switchboard.Conformance --add-source "$work/packages" | tail -1
tool="$work/tools/switchboard-conformance"

echo "-- switchboard-conformance --help"
"$tool" --help | grep -q -- "--junit"
set +e
"$tool" --url ws://127.0.0.1:1 --signing-key key --timeout-ms soon 2>/dev/null
status=$?
set -e
[ "$status" -eq 2 ] || { echo "a bad number must exit 2 (got $status)"; exit 1; }

echo "-- against a reference server: --case 'echo.*'"
dotnet build src/ReferenceServer/Switchboard.ReferenceServer.csproj -c Release -v q --nologo | tail -1
port=$((20000 + RANDOM % 20000))
key="conformance-tool-smoke-key-0123456789abcdef"
mkdir -p "$work/data"
Switchboard__DataDirectory="$work/data" Switchboard__Auth__SigningKey="$key" Logging__LogLevel__Default=Warning \
  dotnet src/ReferenceServer/bin/Release/net10.0/Switchboard.ReferenceServer.dll --urls "http://127.0.0.1:$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$work/server.log"; exit 1; }
  sleep 0.2
done
(cd "$work" && timeout 300 "$tool" --url "ws://127.0.0.1:$port" --signing-key "$key" --case 'echo.*' \
  --out report --junit report/junit.xml --html report/report.html)
for f in report.json report.md junit.xml report.html; do
  [ -s "$work/report/$f" ] || { echo "missing report $f"; exit 1; }
done
echo "tool smoke: OK"

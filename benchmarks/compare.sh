#!/usr/bin/env bash
# Runs Switchboard and its peers side by side on this machine, interleaved over several rounds: for each round and
# each target (order rotated every round): start the server, run every scenario against it, stop it. Then writes
# the medians and Switchboard's ratio to each peer to benchmarks/results/compare-<date>.md/.json.
#
#   benchmarks/compare.sh [--rounds 3] [--duration 10s] [--scenarios "idle echo fanout"]
#                         [--targets "switchboard kestrel signalr ws socketio"] [--check] [--out PREFIX]
#
# --check evaluates the x-perf targets (spec/asyncapi.yaml, else benchmarks/perf-targets.yaml) and exits 3 when one
# is missed. Loopback only. Raw per-run JSON is kept in benchmarks/results/runs-<timestamp>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source benchmarks/lib.sh

ROUNDS=3
DURATION=10s
SCENARIOS="idle echo fanout private connrate"
TARGETS="switchboard kestrel signalr ws socketio"
CHECK=""
OUT=""
EXTRA=()
ORIGINAL_ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --check) CHECK="--check"; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

raise_fd_limit
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build (Release)"
dotnet build benchmarks/Switchboard.LoadTest/Switchboard.LoadTest.csproj -c Release -v q --nologo | tail -1
case " $TARGETS " in *" switchboard "*) dotnet build src/ReferenceServer/Switchboard.ReferenceServer.csproj -c Release -v q --nologo | tail -1 ;; esac
case " $TARGETS " in *" ws "*|*" socketio "*) [ -d benchmarks/peers/node/node_modules ] || (cd benchmarks/peers/node && npm ci --no-audit --no-fund --loglevel=error) ;; esac
case " $TARGETS " in *" kestrel "*) dotnet build benchmarks/peers/KestrelPeer/KestrelPeer.csproj -c Release -v q --nologo | tail -1 ;; esac
case " $TARGETS " in *" signalr "*) dotnet build benchmarks/peers/SignalRPeer/SignalRPeer.csproj -c Release -v q --nologo | tail -1 ;; esac

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RUNS="benchmarks/results/runs-$STAMP"
mkdir -p "$RUNS"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "dotnet: $(dotnet --version)"
  echo "node: $(node --version 2>/dev/null || echo none)"
  echo "rounds: $ROUNDS duration: $DURATION scenarios: $SCENARIOS targets: $TARGETS"
  echo "command: benchmarks/compare.sh $ORIGINAL_ARGS"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RUNS/machine.txt"
cat "$RUNS/machine.txt"

trap stop_server EXIT
read -r -a target_list <<< "$TARGETS"
n=${#target_list[@]}
for round in $(seq 1 "$ROUNDS"); do
  for k in $(seq 0 $((n - 1))); do
    target="${target_list[$(( (k + round - 1) % n ))]}"
    echo "== round $round/$ROUNDS: $target (load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$RUNS/machine.txt"
    if ! start_server "$target" "$RUNS/server-$target-r$round.log"; then echo "   $target did not start; skipped this round" >&2; stop_server; continue; fi
    url="ws://127.0.0.1:${TARGET_PORT[$target]}"
    for scenario in $SCENARIOS; do
      args=("$scenario" --target "$target" --url "$url" --json "$RUNS/r$round-$target-$scenario.json" --label "round $round" --quiet)
      case "$scenario" in
        idle) args+=(--server-pid "$SERVER_PID" --duration 5s); read -r -a h <<< "$(heap_args "$target")"; args+=("${h[@]}") ;;
        connrate) ;;
        *) args+=(--duration "$DURATION") ;;
      esac
      [ "$target" = switchboard ] && args+=(--signing-key "$SB_SIGNING_KEY")
      if ! dotnet "$LOADTEST_DLL" "${args[@]}" "${EXTRA[@]}" > "$RUNS/r$round-$target-$scenario.txt" 2>&1; then
        echo "   $scenario failed (see $RUNS/r$round-$target-$scenario.txt)"
      fi
      grep -E "^\| (round_trips_per_s|deliveries_per_s|delivered_per_s|kib_per_connection|handshakes_per_s|p99_ms|errors) " "$RUNS/r$round-$target-$scenario.txt" | tr '\n' ' ' | sed "s/^/   $scenario: /" || true; echo
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "   $target died during $scenario" >&2; break; fi
    done
    stop_server
  done
done

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUNS/machine.txt"
prefix="${OUT:-benchmarks/results/compare-$(date -u +%Y-%m-%d)}"
dotnet "$LOADTEST_DLL" report --in "$RUNS" --out "$prefix" $CHECK

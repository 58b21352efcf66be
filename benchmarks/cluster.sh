#!/usr/bin/env bash
# The load scenarios against three setups on this machine, one after the other, each on fresh servers:
#   sqlite  - one reference server, embedded SQLite (the single-node default)
#   redis1  - one reference server in cluster mode on Redis
#   redis3  - three reference servers on one Redis; the load tool spreads connections over them (--url repeated),
#             private-message pairs always cross nodes
# Redis is a redis-server started here (loopback port 8195, temp directory, AOF appendfsync always, noeviction) and
# stopped by its PID. For the Redis setups the load tool adds Redis commands and bytes per message (--redis: INFO
# commandstats/stats deltas over the measured window). Writes every run's JSON and text plus a summary table:
#
#   benchmarks/cluster.sh [--duration 10s] [--scenarios "private fanout echo"] [--setups "sqlite redis1 redis3"]
#                         [--out DIR] [--smoke]
#
# On 2 cores the three setups cannot show scale-out (everything shares the same CPUs); compare per-message Redis cost
# and throughput/p99 side by side. Loopback only; every wait is bounded; only processes started here are stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source benchmarks/lib.sh

DURATION=10s
SCENARIOS="private fanout echo"
SETUPS="sqlite redis1 redis3"
OUT=""
SMOKE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --setups) SETUPS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --smoke) SMOKE="--smoke"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "redis-server is required (apt-get install redis-server)" >&2; exit 1; }

REDIS_PORT=8195
NODE_PORTS=(8185 8186 8187)
SERVER_DLL="$ROOT/src/ReferenceServer/bin/Release/net10.0/Switchboard.ReferenceServer.dll"
OUT="${OUT:-benchmarks/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
NODE_PIDS=()
REDIS_PID=""

stop_all() {
  local pid
  for pid in "${NODE_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${NODE_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  NODE_PIDS=()
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
  fi
}
trap 'stop_all; rm -rf "$WORK"' EXIT

start_redis() {
  local dir="$WORK/redis-$1"
  mkdir -p "$dir"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync always --save "" \
    --maxmemory-policy noeviction --daemonize no > "$OUT/$1-redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ] && return 0
    kill -0 "$REDIS_PID" 2>/dev/null || { tail -20 "$OUT/$1-redis.log" >&2; return 1; }
    sleep 0.1
  done
  echo "redis-server did not answer PING within 10 s" >&2
  return 1
}

# start_node <setup> <index> [redis]: a reference server on NODE_PORTS[index], its own data directory.
start_node() {
  local setup="$1" i="$2" port="${NODE_PORTS[$2]}" log="$OUT/$1-node$2.log"
  local args=(--urls "http://127.0.0.1:$port")
  [ "${3:-}" = redis ] && args+=(--Switchboard:Cluster:Redis="127.0.0.1:$REDIS_PORT")
  Switchboard__DataDirectory="$WORK/$setup-node$i" \
  Switchboard__Auth__SigningKey="$SB_SIGNING_KEY" \
  Switchboard__Limits__RateLimitPerSecond=1000000 \
  Switchboard__Limits__RateLimitBurst=1000000 \
  Logging__LogLevel__Default=Warning \
    dotnet "$SERVER_DLL" "${args[@]}" > "$log" 2>&1 &
  NODE_PIDS+=($!)
  local pid=$!
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "node $i exited during start:" >&2; tail -20 "$log" >&2; return 1; }
    sleep 0.2
  done
  echo "node $i did not answer /health within 30 s" >&2
  tail -20 "$log" >&2
  return 1
}

raise_fd_limit
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build (Release)"
dotnet build benchmarks/Switchboard.LoadTest/Switchboard.LoadTest.csproj -c Release -v q --nologo | tail -1
dotnet build src/ReferenceServer/Switchboard.ReferenceServer.csproj -c Release -v q --nologo | tail -1
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "redis: $(redis-server --version)"
  echo "dotnet: $(dotnet --version)"
  echo "setups: $SETUPS scenarios: $SCENARIOS duration: $DURATION ${SMOKE}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

failed=0
for setup in $SETUPS; do
  case "$setup" in
    sqlite) nodes=1 ;;
    redis1) nodes=1 ;;
    redis3) nodes=3 ;;
    *) echo "unknown setup $setup" >&2; exit 2 ;;
  esac
  echo "== $setup (load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT/machine.txt"
  for scenario in $SCENARIOS; do
    # Fresh servers (and a fresh Redis) for every scenario, as compare.sh does.
    redis_args=()
    if [ "$setup" != sqlite ]; then start_redis "$setup-$scenario" || { failed=1; stop_all; continue; }; redis_args=(--redis "127.0.0.1:$REDIS_PORT"); fi
    urls=()
    ok=1
    for i in $(seq 0 $((nodes - 1))); do
      if [ "$setup" = sqlite ]; then start_node "$setup-$scenario" "$i" || ok=0; else start_node "$setup-$scenario" "$i" redis || ok=0; fi
      urls+=(--url "ws://127.0.0.1:${NODE_PORTS[$i]}")
    done
    if [ "$ok" -ne 1 ]; then failed=1; stop_all; continue; fi
    args=("$scenario" --target switchboard "${urls[@]}" "${redis_args[@]}" --signing-key "$SB_SIGNING_KEY" \
      --json "$OUT/$setup-$scenario.json" --label "$setup" --quiet)
    if [ -n "$SMOKE" ]; then args+=(--smoke); else args+=(--duration "$DURATION"); fi
    if timeout 300 dotnet "$LOADTEST_DLL" "${args[@]}" > "$OUT/$setup-$scenario.txt" 2>&1; then
      echo "   $scenario ok"
    else
      echo "   $scenario FAILED (see $OUT/$setup-$scenario.txt)"; tail -5 "$OUT/$setup-$scenario.txt"; failed=1
    fi
    stop_all
  done
done

# The table: one row per setup and scenario, the headline figure, p99 and Redis cost per message.
python3 - "$OUT" $SETUPS <<'PY' | tee "$OUT/summary.md"
import json, os, sys
out, setups = sys.argv[1], sys.argv[2:]
rate = {"private": "delivered_per_s", "fanout": "deliveries_per_s", "echo": "round_trips_per_s"}
print("| setup | scenario | rate | p99 ms | errors | Redis commands/msg | Redis bytes in/msg | Redis bytes out/msg | top Redis commands/msg |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for setup in setups:
    for name in sorted(f for f in os.listdir(out) if f.startswith(setup + "-") and f.endswith(".json")):
        r = json.load(open(os.path.join(out, name)))
        m = r.get("metrics", {})
        scenario = r.get("scenario", "?")
        key = rate.get(scenario, "")
        top = sorted(((k[6:-12], v) for k, v in m.items() if k.startswith("redis_") and k.endswith("_per_message")
                      and k not in ("redis_commands_per_message", "redis_bytes_in_per_message", "redis_bytes_out_per_message")),
                     key=lambda p: -p[1])[:4]
        f = lambda k, fmt="{:,.1f}": fmt.format(m[k]) if k in m else "-"
        print(f"| {setup} | {scenario} | {f(key, '{:,.0f}')} {key} | {f('p99_ms')} | {r.get('errors', 0)} | "
              f"{f('redis_commands_per_message', '{:.2f}')} | {f('redis_bytes_in_per_message', '{:,.0f}')} | "
              f"{f('redis_bytes_out_per_message', '{:,.0f}')} | {', '.join(f'{n} {v:.2f}' for n, v in top) or '-'} |")
PY
echo "results: $OUT"
exit "$failed"

#!/usr/bin/env bash
# Shared by compare.sh and smoke.sh: start/stop one server of each target on loopback and wait until it answers.
# Source it; it expects $ROOT (repository root). Every wait is bounded.

SB_SIGNING_KEY="${SB_SIGNING_KEY:-benchmark-signing-key-0123456789-abcdefghijklmnop}"
LOADTEST_DLL="$ROOT/benchmarks/Switchboard.LoadTest/bin/Release/net10.0/Switchboard.LoadTest.dll"

declare -A TARGET_PORT=([switchboard]=8180 [ws]=8181 [socketio]=8182 [signalr]=8183 [kestrel]=8184)
SERVER_PID=""
SERVER_DATA=""

raise_fd_limit() {
  local hard
  hard="$(ulimit -Hn)"
  if [ "$hard" = "unlimited" ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
  ulimit -n "$hard" || true
}

# start_server <target> <log file>: sets SERVER_PID (the server process itself, for /proc/<pid>/status).
start_server() {
  local target="$1" log="$2" port="${TARGET_PORT[$1]}"
  case "$target" in
    switchboard)
      SERVER_DATA="$(mktemp -d)"
      Switchboard__DataDirectory="$SERVER_DATA" \
      Switchboard__Auth__SigningKey="$SB_SIGNING_KEY" \
      Switchboard__Limits__RateLimitPerSecond="${SB_RATE_LIMIT:-1000000}" \
      Switchboard__Limits__RateLimitBurst="${SB_RATE_BURST:-1000000}" \
      Logging__LogLevel__Default=Warning \
        dotnet "$ROOT/src/ReferenceServer/bin/Release/net10.0/Switchboard.ReferenceServer.dll" --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
      ;;
    kestrel)
      dotnet "$ROOT/benchmarks/peers/KestrelPeer/bin/Release/net10.0/Switchboard.Peers.Kestrel.dll" --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
      ;;
    signalr)
      dotnet "$ROOT/benchmarks/peers/SignalRPeer/bin/Release/net10.0/Switchboard.Peers.SignalR.dll" --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
      ;;
    ws)
      node --expose-gc "$ROOT/benchmarks/peers/node/ws-server.js" --port "$port" >"$log" 2>&1 &
      ;;
    socketio)
      node --expose-gc "$ROOT/benchmarks/peers/node/socketio-server.js" --port "$port" >"$log" 2>&1 &
      ;;
    *) echo "unknown target $target" >&2; return 2 ;;
  esac
  SERVER_PID=$!
  local i
  for i in $(seq 1 150); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "$target exited during start:" >&2; tail -20 "$log" >&2; return 1; fi
    sleep 0.2
  done
  echo "$target did not answer /health within 30 s" >&2
  tail -20 "$log" >&2
  return 1
}

# stop_server: SIGTERM the server we started (by pid), wait up to 10 s, then SIGKILL it.
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  if [ -n "$SERVER_DATA" ]; then rm -rf "$SERVER_DATA"; SERVER_DATA=""; fi
}

# heap_args <target>: the managed-heap endpoint of targets that expose one.
heap_args() {
  case "$1" in
    ws|socketio|signalr|kestrel) echo "--heap-url http://127.0.0.1:${TARGET_PORT[$1]}/stats --heap-field heap_bytes" ;;
    # The reference server collects before measuring only when asked (?gc=1), like the peers' /stats do always.
    switchboard) echo "--heap-url http://127.0.0.1:${TARGET_PORT[$1]}/stats?gc=1 --heap-field heap_bytes" ;;
    *) echo "" ;;
  esac
}

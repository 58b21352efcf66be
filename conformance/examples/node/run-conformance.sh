#!/usr/bin/env bash
# Runs the Switchboard conformance suite against this example server.
#
#   conformance/examples/node/run-conformance.sh [extra runner options, e.g. --case 'room.*']
#
# Installs the locked dependencies (npm ci), runs the example's own tests (npm test), starts the server on a free loopback port with a freshly generated
# signing key and short keepalive intervals (so the keepalive cases take seconds), runs every case of the suite
# (cases of capabilities this server does not declare are reported UNIMPLEMENTED), stops the server and exits
# non-zero when any case FAILED. The report lands in conformance/examples/node/conformance-report/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="${CONFORMANCE_OUT:-$here/conformance-report}"

cd "$here"
npm ci --no-audit --no-fund --loglevel=error
# The example's own tests: the spec's bad-input vectors end to end, writer order against the vectors, tokens.
node --test --test-reporter=dot test/*.test.js

key="node-example-$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')"
log="$(mktemp)"
export SWITCHBOARD_SIGNING_KEY="$key"
PORT=0 PING_INTERVAL_MS=1000 IDLE_TIMEOUT_MS=3000 HISTORY_MAX_PER_STREAM=50 ALLOWED_ORIGINS=https://allowed.example \
  node src/index.js >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "the example server exited"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$log"; echo "the example server did not start"; exit 1; }
echo "example server (pid $pid) on port $port"

# The retention and origin cases need to know the server's settings: pass the same values.
set +e
dotnet run --project "$repo/conformance/Switchboard.Conformance" -c Release -- \
  --url "ws://127.0.0.1:$port" --signing-key "$key" --out "$out" \
  --max-wait-s 30 --history-max-per-stream 50 --forbidden-origin https://forbidden.example "$@"
status=$?
set -e

if [ -s "$log" ] && grep -q 'internal error' "$log"; then
  echo "== server log"; cat "$log"
fi
echo "report: $out/report.md"
[ "$status" -eq 0 ] || exit "$status"

# Belt and braces over the runner's exit code: the report must show no FAILED case and exactly the capabilities
# this example claims (core is implied), so a server that silently stops declaring `chat` cannot turn its cases
# into UNIMPLEMENTED and still pass.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const caps = [...r.capabilities].sort().join(",");
  if (r.summary.FAILED !== 0) { console.error(`${r.summary.FAILED} case(s) FAILED`); process.exit(1); }
  if (caps !== "chat,presence") { console.error(`declared capabilities [${caps}], expected [chat,presence]`); process.exit(1); }
' "$out/report.json"

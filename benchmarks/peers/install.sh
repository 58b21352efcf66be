#!/usr/bin/env bash
# Installs and builds the benchmark peers: Node.js ws + socket.io (npm ci, exact versions from package-lock.json)
# and the two .NET peers (bare Kestrel WebSockets, ASP.NET Core SignalR). Needs node >= 18 and the .NET SDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if command -v npm >/dev/null 2>&1; then
  (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "npm not found: the ws and socket.io peers are unavailable (apt-get install nodejs npm)" >&2
fi
dotnet build "$here/KestrelPeer/KestrelPeer.csproj" -c Release -v q --nologo
dotnet build "$here/SignalRPeer/SignalRPeer.csproj" -c Release -v q --nologo

#!/usr/bin/env bash
# Mutation campaign over src/Server: proves the conformance suite catches servers that break one MUST rule each.
#
#   conformance/mutation/run.sh [--only id[,id...]] [--jobs N] [--no-confirm] [--results-dir DIR]
#
# For each mutant of conformance/mutation/mutants.json: copy of the server sources in a temp tree (the worktree is
# never touched), apply the search/replace (a mutant whose anchor is not found exactly once is NOT-APPLICABLE and the
# script exits non-zero), build Switchboard.Server incrementally, start the reference server on a free loopback port
# with a temp data dir, run the suite against it by URL (the mutant's area cases first, the whole suite only when
# those do not kill it), stop the server by PID. Writes RESULTS.md + results.json (see README.md in this folder).
# Requires: dotnet and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 "$here/mutate.py" "$@"

#!/usr/bin/env bash
# Packs the libraries a team's own Reqnroll project references (Harness.Steps and what it needs) into a folder:
#   tools/pack.sh [--no-build] [OUT_DIR] [VERSION]
# (defaults: .harness/packages and the version in Directory.Build.props; --no-build packs the Release build already
# made). Then add OUT_DIR as a package source (samples/nuget.config does) and reference Harness.Steps.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARGS=()
if [ "${1:-}" = "--no-build" ]; then ARGS+=(--no-build); shift; fi
OUT="$(realpath -m "${1:-$ROOT/.harness/packages}")"
[ -n "${2:-}" ] && ARGS+=("-p:PackageVersion=$2")
mkdir -p "$OUT"
for proj in server/Harness.Pki server/Harness.Kmip server/Harness.Kmip.Client server/Harness.Kmip.Server \
            simulator/Harness.Simulator simulator/Harness.Simulator.Web features/Harness.Scenarios features/Harness.Steps; do
  dotnet pack "$ROOT/$proj" -c Release -o "$OUT" -nologo -v quiet "${ARGS[@]}" >/dev/null \
    || { echo "tools/pack.sh: dotnet pack $proj failed" >&2; exit 1; }
done
ls "$OUT"/*.nupkg

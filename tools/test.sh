#!/usr/bin/env bash
# `./harness test`: installs the system packages the tests need (with apt, when root and missing), builds once, runs
# every test project, and ends with one line "N passed, N failed". Exit code 0 only when nothing failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- system packages ---------------------------------------------------------------------------------------------
need=()
dpkg -s python3-pykmip >/dev/null 2>&1 || need+=(python3-pykmip)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)   # tests/Harness.Browser.Tests drives it with Playwright
dpkg -s python3-pyvmomi >/dev/null 2>&1 || need+=(python3-pyvmomi)   # vSphere API interop (PyVmomiTests)
dpkg -s ruby-rbvmomi >/dev/null 2>&1 || need+=(ruby-rbvmomi)         # vSphere API interop (RbVmomiTests)
dpkg -s golang-github-vmware-govmomi-dev >/dev/null 2>&1 || need+=(golang-github-vmware-govmomi-dev)   # vim25 types, govmomi client
dpkg -s golang-go >/dev/null 2>&1 || need+=(golang-go)               # builds the govmomi client (GovmomiTests)
dpkg -s postgresql >/dev/null 2>&1 || need+=(postgresql)             # KMS nodes sharing one PostgreSQL database (features/vsphere/kms-nodes.feature)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing ${need[*]} (apt)…"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/tmp/harness-apt.log 2>&1; then
      apt-get update -q >/dev/null 2>&1
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/tmp/harness-apt.log 2>&1 \
        || { echo "apt-get install ${need[*]} failed; see /tmp/harness-apt.log"; }
    fi
  else
    echo "note: ${need[*]} missing and not root: tests that need them will report it"
  fi
fi

# --- Docker (certify --image tests run the KMS as a container image) ----------------------------------------------
if [ "$(id -u)" = "0" ]; then
  "$ROOT/tools/start-dockerd.sh" || echo "note: tools/start-dockerd.sh failed: the certify --image tests will fail saying Docker does not answer"
elif ! docker info >/dev/null 2>&1; then
  echo "note: Docker does not answer and this is not root: start it with 'sudo tools/start-dockerd.sh', else the certify --image tests fail"
fi
# The PostgreSQL image of the shared-store tests (harness/postgres:15 from this machine's Debian packages; rebuilt only
# when the script changed). Without it those tests fail saying how to build it.
if docker info >/dev/null 2>&1; then
  "$ROOT/tools/build-postgres-image.sh" >/dev/null \
    || echo "note: tools/build-postgres-image.sh failed: the PostgreSQL store tests will fail saying the image is missing"
fi

# --- build once ----------------------------------------------------------------------------------------------------
RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
echo "building…"
if ! dotnet build "$ROOT/Harness.sln" -c Release -nologo -v quiet >"$RESULTS/build.log" 2>&1; then
  grep -E " error " "$RESULTS/build.log" | sort -u | head -30
  echo "0 passed, 1 failed"
  exit 1
fi

# --- run every test project ----------------------------------------------------------------------------------------
passed=0; failed=0; status=0
for proj in $(find "$ROOT/tests" -name '*.Tests.csproj' | sort); do
  name="$(basename "$proj" .csproj)"
  echo "== $name"
  log="$RESULTS/$name.log"
  dotnet test "$proj" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" \
      --results-directory "$RESULTS" "$@" >"$log" 2>&1
  rc=$?
  summary="$(grep -E "^(Passed|Failed)!" "$log" | tail -1)"
  if [ -z "$summary" ]; then
    echo "   no test summary (exit code $rc); last lines of $log:"; tail -15 "$log" | sed 's/^/   /'
    failed=$((failed + 1)); status=1; continue
  fi
  p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
  f=$(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f))
  echo "   $summary"
  if [ "$f" != "0" ] || [ $rc -ne 0 ]; then
    status=1
    grep -E "^\s+Failed |Error Message:" -A3 "$log" | head -60 | sed 's/^/   /'
  fi
done
[ $status -ne 0 ] && [ $failed -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
exit $status

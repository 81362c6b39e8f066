#!/usr/bin/env bash
# Runs the Debian PyKMIP server (python3-pykmip 0.10) in the foreground with a Harness test PKI, e.g. to compare
# `./harness bench` against a third-party KMIP server by hand:
#
#   ./harness pki init --out /tmp/pki
#   tools/pykmip-server.sh /tmp/pki 5697 /tmp/pykmip &
#   ./harness bench --target 127.0.0.1:5697 --pki /tmp/pki --op create --connections 4 --seconds 5
#
# Usage: tools/pykmip-server.sh PKI_DIR PORT DATA_DIR
#   PKI_DIR   written by `./harness pki init` (ca.crt, server.crt, server.key)
#   PORT      1–65534 on 127.0.0.1 (PyKMIP cannot listen on port 0)
#   DATA_DIR  created if missing; holds server.conf, pykmip.db (SQLite), policies/ and server.log
# The server speaks TLS 1.2 only (PyKMIP's "TLS1.2" auth suite) and requires client certificates with the clientAuth
# extended key usage. Ctrl-C stops it. Exit code 2 on bad usage (one-line reason on stderr).
# This is the same configuration as tests/Harness.Interop.Tests/PyKmipServer.cs.
set -euo pipefail
PYTHON=/usr/bin/python3   # the Debian python3 that has python3-pykmip (a python3 on PATH may not)

if [ $# -ne 3 ]; then
  echo "usage: tools/pykmip-server.sh PKI_DIR PORT DATA_DIR" >&2
  exit 2
fi
PKI="$(cd "$1" 2>/dev/null && pwd)" || { echo "pykmip-server: PKI_DIR '$1' does not exist" >&2; exit 2; }
PORT="$2"
DATA="$3"
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65534 ]; then
  echo "pykmip-server: PORT must be 1–65534, not '$PORT'" >&2
  exit 2
fi
for f in ca.crt server.crt server.key; do
  [ -f "$PKI/$f" ] || { echo "pykmip-server: $PKI/$f does not exist (create a PKI with: ./harness pki init --out $PKI)" >&2; exit 2; }
done
if ! "$PYTHON" -c 'import kmip.services.server' 2>/dev/null; then
  echo "pykmip-server: PyKMIP is not installed for $PYTHON (apt-get install python3-pykmip, or run ./harness test as root)" >&2
  exit 2
fi
mkdir -p "$DATA/policies"
DATA="$(cd "$DATA" && pwd)"

cat >"$DATA/server.conf" <<CONF
[server]
hostname=127.0.0.1
port=$PORT
certificate_path=$PKI/server.crt
key_path=$PKI/server.key
ca_path=$PKI/ca.crt
auth_suite=TLS1.2
policy_path=$DATA/policies
enable_tls_client_auth=True
logging_level=INFO
database_path=$DATA/pykmip.db
CONF

echo "PyKMIP server on 127.0.0.1:$PORT (TLS 1.2, client certificates from $PKI/ca.crt); log in $DATA/server.log" >&2
exec "$PYTHON" -c "import sys; from kmip.services.server.server import main; sys.exit(main())" \
  -f "$DATA/server.conf" -l "$DATA/server.log"

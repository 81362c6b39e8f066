#!/usr/bin/env bash
# tools/start-dockerd.sh: make `docker info` answer, for `certify --image` and its tests. Safe to run again and again.
#   - Docker already answers: nothing to do.
#   - No dockerd binary: apt-get install docker.io (root only; apt-get update only when the install fails).
#   - Else start one dockerd in the background, with no bridge network and no iptables rules: Harness runs containers
#     on the host network only, so Docker needs to create no network of its own.
# Prints one line saying what it did. Exit 0 when Docker answers, 1 when it did not in time (prints the log's tail),
# 2 when it cannot be installed. Environment: HARNESS_DOCKERD_DIR (data-root, exec-root, pidfile and log;
# default /var/lib/harness-dockerd), HARNESS_DOCKERD_TIMEOUT (seconds to wait; default 60).
# To stop a daemon this script started: kill -TERM "$(cat "$HARNESS_DOCKERD_DIR/dockerd.pid")".
set -euo pipefail
DIR="${HARNESS_DOCKERD_DIR:-/var/lib/harness-dockerd}"
TIMEOUT="${HARNESS_DOCKERD_TIMEOUT:-60}"

answers() { docker info >/dev/null 2>&1; }

if answers; then echo "dockerd: already running"; exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "start-dockerd.sh: dockerd is not installed and this is not root: run as root, or apt-get install docker.io" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "dockerd: installing docker.io (apt)…"
  if ! apt-get install -y -q docker.io >/tmp/harness-docker-apt.log 2>&1; then
    apt-get update -q >>/tmp/harness-docker-apt.log 2>&1 || true
    apt-get install -y -q docker.io >>/tmp/harness-docker-apt.log 2>&1 \
      || { echo "start-dockerd.sh: apt-get install docker.io failed; see /tmp/harness-docker-apt.log" >&2; exit 2; }
  fi
fi
if [ "$(id -u)" != 0 ]; then
  echo "start-dockerd.sh: Docker does not answer and only root can start dockerd (sudo $0)" >&2
  exit 2
fi

mkdir -p "$DIR"
# Is the daemon of an earlier run still alive? Checked through ps, not `kill -0`: where PID 1 does not reap orphans
# (containers, sandboxes), a killed dockerd stays a zombie, which `kill -0` still reports as alive. A stale pidfile
# would make the new dockerd refuse to start.
alive() { local stat; stat="$(ps -o stat= -p "$1" 2>/dev/null)" && [ -n "$stat" ] && [ "${stat:0:1}" != Z ]; }
if [ -f "$DIR/dockerd.pid" ] && ! alive "$(cat "$DIR/dockerd.pid")"; then rm -f "$DIR/dockerd.pid"; fi
if [ ! -f "$DIR/dockerd.pid" ]; then
  setsid dockerd --bridge=none --iptables=false --ip6tables=false \
    --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.pid" \
    -H unix:///var/run/docker.sock >>"$DIR/dockerd.log" 2>&1 </dev/null &
fi
for ((i = 0; i < TIMEOUT * 5; i++)); do
  if answers; then echo "dockerd: started (pid $(cat "$DIR/dockerd.pid" 2>/dev/null || echo '?'), log $DIR/dockerd.log)"; exit 0; fi
  sleep 0.2
done
echo "start-dockerd.sh: dockerd did not answer within ${TIMEOUT} s; the end of $DIR/dockerd.log:" >&2
tail -20 "$DIR/dockerd.log" >&2
exit 1

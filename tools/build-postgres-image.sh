#!/usr/bin/env bash
# tools/build-postgres-image.sh [TAG]: a local PostgreSQL 15 container image (default tag harness/postgres:15) for the
# tests of the KMS's shared store (`serve --store postgres://…`). No base image and no registry: a root file system is
# assembled from this machine's Debian postgresql-15 package (installed with apt-get when missing, as root) and handed to
# `docker import`. It holds /usr/lib/postgresql/15 and /usr/share/postgresql/15, the time zones, the shared libraries
# all of that links to (found with ldd), /bin/sh for the entrypoint, and a minimal /etc with a postgres user.
# The container runs as that user (PostgreSQL refuses to run as root). Run it on the host network with its port:
#   docker run --network host -e POSTGRES_PASSWORD=secret -e PGPORT=55432 harness/postgres:15
# POSTGRES_USER (default postgres) and POSTGRES_PASSWORD (required) make the superuser on the first start, which
# initialises /var/lib/postgresql/data; PGPORT (default 5432) is the port it listens on, on 127.0.0.1. Extra arguments
# go to postgres (e.g. -c fsync=off). It logs "database system is ready to accept connections" once it serves.
# Skips the work when the image exists and is newer than this script (HARNESS_POSTGRES_IMAGE_REBUILD=1 forces it).
# Prints "IMAGE_ID SIZE_BYTES".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/image-rootfs.sh"
TAG="${1:-harness/postgres:15}"
PG=/usr/lib/postgresql/15
command -v docker >/dev/null 2>&1 || { echo "build-postgres-image.sh: no docker command (sudo tools/start-dockerd.sh)" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "build-postgres-image.sh: Docker does not answer (sudo tools/start-dockerd.sh)" >&2; exit 1; }

if [ "${HARNESS_POSTGRES_IMAGE_REBUILD:-0}" != 1 ] && created="$(docker image inspect -f '{{.Created}}' "$TAG" 2>/dev/null)"; then
  if [ "$(date -d "$created" +%s)" -ge "$(stat -c %Y "$0")" ]; then docker image inspect -f '{{.Id}} {{.Size}}' "$TAG"; exit 0; fi
fi

if [ ! -x "$PG/bin/postgres" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "build-postgres-image.sh: $PG/bin/postgres is missing and this is not root: apt-get install postgresql-15" >&2; exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q postgresql-15 >/tmp/harness-postgres-apt.log 2>&1; then
    apt-get update -q >>/tmp/harness-postgres-apt.log 2>&1 || true
    apt-get install -y -q postgresql-15 >>/tmp/harness-postgres-apt.log 2>&1 \
      || { echo "build-postgres-image.sh: apt-get install postgresql-15 failed; see /tmp/harness-postgres-apt.log" >&2; exit 2; }
  fi
fi

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{tmp,etc,bin,usr/lib/postgresql,usr/share/postgresql,usr/share/zoneinfo,var/lib/postgresql/data,var/run/postgresql}
chmod 1777 "$ROOT/tmp"
# The image's own postgres user (uid and gid 999), owner of the data and socket folders.
printf 'root:x:0:0:root:/root:/sbin/nologin\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\npostgres:x:999:\n' >"$ROOT/etc/group"
printf 'hosts: files\n' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOT/etc/hosts"
cp -a "$PG" "$ROOT/usr/lib/postgresql/"
cp -a /usr/share/postgresql/15 "$ROOT/usr/share/postgresql/"
cp -a /usr/share/zoneinfo/. "$ROOT/usr/share/zoneinfo/"
cp -L /bin/sh "$ROOT/bin/sh"

cat >"$ROOT/usr/local-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
PGDATA=/var/lib/postgresql/data
BIN=/usr/lib/postgresql/15/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then echo "harness/postgres: set POSTGRES_PASSWORD" >&2; exit 2; fi
  printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
  "$BIN/initdb" -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile=/tmp/pwfile --auth-local=trust \
    --auth-host=scram-sha-256 --locale=C --encoding=UTF8 >/tmp/initdb.log
  : >/tmp/pwfile
fi
exec "$BIN/postgres" -D "$PGDATA" -p "${PGPORT:-5432}" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories=/var/run/postgresql -c max_connections=300 "$@"
EOF
chmod 755 "$ROOT/usr/local-entrypoint.sh"

# Every library the ELF files link to.
find "$ROOT" -type f \( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) -print0 | rootfs_copy_libraries "$ROOT"
rootfs_merged_usr "$ROOT"
chown -R 999:999 "$ROOT/var/lib/postgresql" "$ROOT/var/run/postgresql"
chmod 700 "$ROOT/var/lib/postgresql/data"

tar -C "$ROOT" --numeric-owner -c . | docker import \
  -c 'ENTRYPOINT ["/usr/local-entrypoint.sh"]' -c 'USER postgres' -c 'WORKDIR /var/lib/postgresql' \
  -c 'ENV PGDATA=/var/lib/postgresql/data' -c 'ENV LANG=C' \
  -m "PostgreSQL 15 from this machine's Debian packages" - "$TAG" >/dev/null
docker image inspect -f '{{.Id}} {{.Size}}' "$TAG"

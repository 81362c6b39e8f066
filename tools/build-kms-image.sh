#!/usr/bin/env bash
# tools/build-kms-image.sh APP_DIR TAG: package a Harness build as a local container image (the KMS under test of
# `certify --image`, and of its tests). No base image and no registry: a root file system is assembled in a temporary
# folder and handed to `docker import`. It holds
#   /app      APP_DIR: a Release build folder with harness.dll (e.g. .harness/bin, or `dotnet build
#             tools/Harness.Cli -c Release -o DIR`), or a self-contained linux-x64 publish (with libcoreclr.so)
#   /dotnet   for a build folder only: this machine's .NET host and shared runtimes (NETCore, AspNetCore)
#   the shared libraries all of that links to (found with ldd), plus libssl/libcrypto 3, which .NET loads with
#   dlopen (so ldd does not see them); empty /tmp, /data and /pki; a minimal /etc (root user, hosts)
# The entrypoint is harness, so the container's command is a harness command line:
#   docker run --network host -v PKI:/pki:ro TAG serve --kmip 127.0.0.1:5696 --data /data --pki /pki
# Prints "IMAGE_ID SIZE_BYTES".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/image-rootfs.sh"
APP="${1:?usage: build-kms-image.sh APP_DIR TAG}"
TAG="${2:?usage: build-kms-image.sh APP_DIR TAG}"
[ -d "$APP" ] || { echo "build-kms-image.sh: $APP is not a folder" >&2; exit 2; }
command -v docker >/dev/null 2>&1 || { echo "build-kms-image.sh: no docker command (sudo tools/start-dockerd.sh)" >&2; exit 2; }

ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{app,tmp,data,pki,etc}
chmod 1777 "$ROOT/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"
printf 'hosts: files\n' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOT/etc/hosts"

cp -a "$APP/." "$ROOT/app/"
if [ -f "$APP/libcoreclr.so" ]; then            # self-contained: the runtime is in /app
  ENTRYPOINT='["/app/harness"]'
elif [ -f "$APP/harness.dll" ]; then            # framework-dependent: bring this machine's runtime along
  DOTNET_ROOT_DIR="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  mkdir -p "$ROOT/dotnet/shared"
  cp -a "$DOTNET_ROOT_DIR/dotnet" "$DOTNET_ROOT_DIR/host" "$ROOT/dotnet/"
  cp -a "$DOTNET_ROOT_DIR/shared/Microsoft.NETCore.App" "$DOTNET_ROOT_DIR/shared/Microsoft.AspNetCore.App" "$ROOT/dotnet/shared/"
  # native libraries for other platforms (SQLite for Windows, macOS, ARM…) are never loaded here
  find "$ROOT/app/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 ! -name unix -exec rm -rf {} + 2>/dev/null || true
  ENTRYPOINT='["/dotnet/dotnet", "/app/harness.dll"]'
else
  echo "build-kms-image.sh: $APP holds neither harness.dll (a build folder) nor libcoreclr.so (a self-contained publish)" >&2
  exit 2
fi
# Debugging aids the KMS never needs (libcoreclrtraceptprovider.so would also want liblttng, which is not copied).
find "$ROOT/app" "$ROOT/dotnet" \( -name '*.pdb' -o -name createdump -o -name libmscordbi.so -o -name libmscordaccore.so \
  -o -name libcoreclrtraceptprovider.so \) -delete 2>/dev/null || true

# OpenSSL 3 as the dynamic loader finds it. (awk reads to the end on purpose: stopping early would kill ldconfig with
# SIGPIPE, and pipefail would then end this script without a word.)
LIBSSL="$(ldconfig -p | awk '/libssl\.so\.3 .*x86-64/ && !seen {print $NF; seen=1}')"
LIBCRYPTO="$(ldconfig -p | awk '/libcrypto\.so\.3 .*x86-64/ && !seen {print $NF; seen=1}')"
if [ -z "$LIBSSL" ] || [ -z "$LIBCRYPTO" ]; then
  echo "build-kms-image.sh: OpenSSL 3 not found on this machine (apt-get install libssl3)" >&2; exit 2
fi
# Every library the ELF files in the image and OpenSSL link to, and OpenSSL itself.
find "$ROOT" -type f \( -name '*.so' -o -name '*.so.*' -o -name harness -o -name dotnet \) -print0 \
  | rootfs_copy_libraries "$ROOT" "$LIBSSL" "$LIBCRYPTO"
rootfs_merged_usr "$ROOT"

tar -C "$ROOT" --numeric-owner -c . | docker import \
  -c "ENTRYPOINT $ENTRYPOINT" -c 'WORKDIR /app' \
  -c 'ENV DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1' -c 'ENV DOTNET_EnableDiagnostics=0' \
  -c 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' -c 'ENV DOTNET_NOLOGO=1' \
  -m "harness KMS from $APP" - "$TAG" >/dev/null
docker image inspect -f '{{.Id}} {{.Size}}' "$TAG"

# Sourced by the image scripts (tools/build-kms-image.sh, tools/build-postgres-image.sh): the steps that make a root file
# system assembled in a folder run as the host's binaries do, for `docker import` (no base image, no registry).

# rootfs_copy_libraries ROOT: reads ELF file paths (NUL-separated) on stdin, plus extra library paths given as
# arguments; copies every shared library they link to (per ldd: lines "name => /path (addr)" and "/path (addr)"; with
# several files ldd also prints "file:" headers, which are skipped) into ROOT, at the path the loader asks for and at
# its real path (on merged-/usr systems /lib is usr/lib).
rootfs_copy_libraries() {
  local root="$1"; shift
  {
    { xargs -0 -r -n 32 ldd 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}'
    for extra in "$@"; do
      printf '%s\0' "$extra" | { xargs -0 -r ldd 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}'
      printf '%s\n' "$extra"
    done
  } | sort -u | while read -r lib; do
    case "$lib" in "$root"/*) continue ;; esac
    for path in "$lib" "$(readlink -f "$lib")"; do
      mkdir -p "$root$(dirname "$path")"
      cp -L "$lib" "$root$path"
    done
  done
}

# rootfs_merged_usr ROOT: keeps the host's merged-/usr layout: where /lib and /lib64 are symlinks into /usr, they
# become symlinks in ROOT too (what was copied under ROOT/lib moves to ROOT/usr/lib).
rootfs_merged_usr() {
  local root="$1" d
  for d in lib lib64; do
    if [ -L "/$d" ] && [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
      mkdir -p "$root/usr/$d"
      cp -a "$root/$d/." "$root/usr/$d/"
      rm -rf "${root:?}/$d"
      ln -s "usr/$d" "$root/$d"
    fi
  done
}

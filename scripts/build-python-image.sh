#!/usr/bin/env bash
# Builds `trellis-python:latest` (or the tag given as $1): a minimal Debian bookworm root
# filesystem with Python 3, made with debootstrap from Debian's packages and imported into
# Podman (or Docker) as an image. No registry is needed, so it works on machines that reach
# only Debian's mirrors. Extra Debian packages: TRELLIS_IMAGE_PACKAGES="python3-numpy …".
#
# The image is rebuilt only when it is missing (or with --force): a build takes ~40 s.
set -euo pipefail

force=false
tag="trellis-python:latest"
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -*) echo "usage: $0 [--force] [TAG]" >&2; exit 2 ;;
    *) tag="$arg" ;;
  esac
done

engine="$(command -v podman || command -v docker || true)"
[ -n "$engine" ] || { echo "neither podman nor docker is installed" >&2; exit 1; }
if [ "$force" = false ] && "$engine" image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag already exists (use --force to rebuild)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
packages="python3${TRELLIS_IMAGE_PACKAGES:+,${TRELLIS_IMAGE_PACKAGES// /,}}"
root="$(mktemp -d /tmp/trellis-image.XXXXXX)"
trap 'rm -rf "$root"' EXIT

echo "building $tag from Debian bookworm ($packages)"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >/dev/null
# Smaller image: package caches and docs are not needed at run time.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | "$engine" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PYTHONUNBUFFERED=1' \
  --change 'CMD ["python3"]' \
  - "$tag" >/dev/null
echo "built $tag: $("$engine" image inspect --format '{{.Id}}' "$tag")"

#!/usr/bin/env bash
# Makes sure Podman is installed and holds the fixture images, for the Podman e2e tests.
#
# Installs Debian's podman with what deployctl's use of it needs when podman is missing:
# catatonit (`init: true`), netavark and aardvark-dns (the network backend whose DNS resolves
# service names; CNI without the dnsname plugin resolves nothing). Then copies each fixture
# image from the Docker engine into Podman's storage (`docker save | podman load`, where it is
# named localhost/NAME) unless Podman already holds the same image id. Starts no service: the
# test runs its own `podman system service` on a private socket. Idempotent.
set -euo pipefail

log() { printf 'ensure-podman: %s\n' "$*" >&2; }

# Callers may run side by side (test files, a person): one installs and loads, the others wait
# (apt and podman load would otherwise trip over each other's locks).
exec 9>"${TMPDIR:-/tmp}/deployctl-ensure-podman.lock"
flock 9

PACKAGES=(podman catatonit netavark aardvark-dns)
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
[ -x /usr/bin/catatonit ] || [ -x /usr/libexec/podman/catatonit ] || missing+=(catatonit)
[ -x /usr/lib/podman/netavark ] || command -v netavark >/dev/null 2>&1 || missing+=(netavark)
[ -x /usr/lib/podman/aardvark-dns ] || command -v aardvark-dns >/dev/null 2>&1 || missing+=(aardvark-dns)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing ${missing[*]} and this user is not root, so they cannot be installed here."
    log "Install them (e.g. 'sudo apt-get install ${PACKAGES[*]}'), then re-run."
    exit 1
  fi
  log "installing Debian's ${missing[*]}…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2 ||
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2; }
fi

for image in deployctl-fixture/app:v1 deployctl-fixture/app:v2 deployctl-fixture/postgres:15; do
  want=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) || {
    log "the Docker engine has no $image: run scripts/build-fixtures.sh first."
    exit 1
  }
  have=$(podman image inspect -f '{{.Id}}' "localhost/$image" 2>/dev/null || true)
  [ "sha256:${have#sha256:}" = "$want" ] && continue
  log "loading $image into Podman…"
  docker save "$image" | podman load -q >&2
done

#!/usr/bin/env bash
# Builds the local fixture images the tests and the demo run, without any registry:
#   deployctl-fixture/app:v1, :v2  busybox-static httpd; /version answers v1 or v2
#   deployctl-fixture/postgres:15  Debian bookworm minbase + postgresql-15 (debootstrap)
#   deployctl-fixture/proxy:caddy  Debian's caddy package (2.6) + busybox: an edge on :80 in front of
#                                  deployctl's routes on :8080, admin API on localhost:2019
# Each image is built only when missing (FORCE=1 rebuilds). Needs root the first time on a
# machine without busybox-static/debootstrap (installs them from Debian's packages).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
images="$here/test/fixtures/images"
APP_IMAGE=deployctl-fixture/app
PG_IMAGE=deployctl-fixture/postgres:15
PROXY_IMAGE=deployctl-fixture/proxy:caddy

log() { printf 'build-fixtures: %s\n' "$*" >&2; }
have_image() { [ "${FORCE:-}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing Debian's $2…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$2" >&2 || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "$2" >&2; }
}

# The active mirror of this machine's apt sources (deb822 first, then the one-line format).
apt_mirror() {
  local uri=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -n1)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(grep -E '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v -- '-security' | head -n1)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

build_app() { # version
  local tag="$APP_IMAGE:$1"
  have_image "$tag" && return 0
  need_pkg busybox busybox-static
  local bb; bb=$(command -v busybox)
  file -L "$bb" 2>/dev/null | grep -q 'dynamically' && bb=/bin/busybox
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
  cp "$bb" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  cp "$images/app/entrypoint.sh" "$root/entrypoint.sh"
  echo "$1" >"$root/www/version"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    -c 'ENTRYPOINT ["/entrypoint.sh"]' -c 'EXPOSE 8000' -c 'ENV PATH=/bin' \
    -c "LABEL org.opencontainers.image.version=$1" -m "deployctl fixture app $1" - "$tag" >/dev/null
  rm -rf "$root"
  log "built $tag"
}

build_postgres() {
  have_image "$PG_IMAGE" && return 0
  need_pkg debootstrap debootstrap
  local mirror root; mirror=$(apt_mirror); root=$(mktemp -d /var/tmp/deployctl-pg.XXXXXX)
  log "debootstrapping bookworm + postgresql-15 from $mirror (about a minute)…"
  debootstrap --variant=minbase --include=postgresql-15 bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
    log "debootstrap failed; last lines of $root.log:"; tail -n 20 "$root.log" >&2; exit 1; }
  # Drop the cluster the package made and the apt caches: the entrypoint makes PGDATA itself.
  rm -rf "$root/var/lib/postgresql/15" "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  cp "$images/postgres/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  tar -C "$root" -c . | docker import \
    -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' -c 'EXPOSE 5432' \
    -c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV PGDATA=/var/lib/postgresql/data' -c 'ENV LANG=C.UTF-8' \
    -c 'VOLUME /var/lib/postgresql/data' \
    -m 'deployctl fixture postgres 15' - "$PG_IMAGE" >/dev/null
  rm -rf "$root" "$root.log"
  log "built $PG_IMAGE"
}

# Debian's caddy .deb unpacked into a busybox root with the few shared libraries it links
# (same Debian release as this machine, so the host's copies match).
build_proxy() {
  have_image "$PROXY_IMAGE" && return 0
  need_pkg busybox busybox-static
  local work root; work=$(mktemp -d); root="$work/root"
  (cd "$work" && apt-get download caddy >/dev/null 2>&1) || {
    apt-get update -qq >&2 && (cd "$work" && apt-get download caddy >/dev/null 2>&1); } || {
    log "could not download Debian's caddy package"; exit 1; }
  dpkg-deb -x "$work"/caddy_*.deb "$work/deb"
  mkdir -p "$root/bin" "$root/usr/bin" "$root/etc/caddy" "$root/tmp" "$root/config" "$root/data"
  cp "$work/deb/usr/bin/caddy" "$root/usr/bin/caddy"
  local lib
  for lib in $(ldd "$root/usr/bin/caddy" | awk '/=>/ {print $3} /ld-linux/ && !/=>/ {print $1}'); do
    mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
  done
  local bb; bb=$(command -v busybox)
  file -L "$bb" 2>/dev/null | grep -q 'dynamically' && bb=/bin/busybox
  cp "$bb" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  cp "$images/proxy/entrypoint.sh" "$root/entrypoint.sh"
  cp "$images/proxy/bootstrap.json" "$images/proxy/edge.json" "$root/etc/caddy/"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    -c 'ENTRYPOINT ["/entrypoint.sh"]' -c 'EXPOSE 80' -c 'ENV PATH=/usr/bin:/bin' \
    -c 'ENV XDG_CONFIG_HOME=/config' -c 'ENV XDG_DATA_HOME=/data' \
    -m 'deployctl fixture proxy (caddy)' - "$PROXY_IMAGE" >/dev/null
  rm -rf "$work"
  log "built $PROXY_IMAGE"
}

case "${1:-all}" in
  app) build_app v1; build_app v2 ;;
  postgres) build_postgres ;;
  proxy) build_proxy ;;
  all) build_app v1; build_app v2; build_postgres; build_proxy ;;
  *) echo "usage: $0 [app|postgres|proxy|all]" >&2; exit 2 ;;
esac

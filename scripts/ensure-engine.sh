#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, installing and starting one if needed.
#
# Tests and the demo need a real engine. A laptop with Docker already running is left alone
# (the first `docker info` succeeds); a fresh CI machine that only has the docker client gets
# Debian's docker.io, with dockerd started in the background. Idempotent; safe to run often.
set -euo pipefail

log() { printf 'ensure-engine: %s\n' "$*" >&2; }

engine_up() { docker info >/dev/null 2>&1; }

if engine_up; then
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ] && [[ "${DOCKER_HOST}" != unix://* ]]; then
  log "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local engine for a remote host. Unset DOCKER_HOST or start that engine."
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  log "no Docker engine answers and this user is not root, so none can be installed or started here."
  log "Start Docker (e.g. 'sudo systemctl start docker') or add this user to the docker group, then re-run."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io (dockerd, containerd, runc)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # policy-rc.d stops the package from trying to start a service manager that is not there.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends docker.io iptables >&2
  rm -f /usr/sbin/policy-rc.d
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd in the background (log: /var/log/deployctl-dockerd.log)…"
  # setsid: the daemon must outlive this script and the test run that called it.
  setsid nohup dockerd --host=unix:///var/run/docker.sock \
    >/var/log/deployctl-dockerd.log 2>&1 </dev/null &
fi

for _ in $(seq 1 120); do
  if engine_up; then
    log "engine ready: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
    exit 0
  fi
  sleep 0.5
done

log "dockerd did not answer within 60 s. Last lines of its log:"
tail -n 20 /var/log/deployctl-dockerd.log >&2 || true
exit 1

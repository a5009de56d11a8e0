#!/usr/bin/env bash
# Makes sure a Docker Engine answers on this machine before the real-engine tests run.
# CI and dev containers here have no systemd, so the daemon is started by hand when it is not running.
# Exit 0: `docker info` answers. Non-zero: it never did; the reason is printed.
set -euo pipefail

LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-30}

say() { echo "ensure-docker: $*"; }

engine_answers() { docker info >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    say "need root to run: $* (no sudo available)"; return 1; fi
}

if command -v docker >/dev/null 2>&1 && engine_answers; then
  say "Docker Engine already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))."
  exit 0
fi

# A DOCKER_HOST that points elsewhere is the user's choice; starting a local daemon would not help it.
if [ -n "${DOCKER_HOST:-}" ] && [[ "${DOCKER_HOST}" != unix:///var/run/docker.sock ]]; then
  say "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local daemon for a remote host." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "dockerd not found; installing docker.io from apt."
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq docker.io >/dev/null
  say "installed docker.io."
fi

if ! command -v docker >/dev/null 2>&1; then
  say "the docker client is missing even after installing docker.io." >&2
  exit 1
fi

# The default daemon only: the second engine of the remote-host tests (scripts/remote-docker.sh) is a dockerd too.
if [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  say "dockerd is already running (pid $(cat /var/run/docker.pid)); waiting for it to answer."
else
  say "starting dockerd in the background (log: ${LOG})."
  # A stale pid file from a killed daemon makes dockerd refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    as_root rm -f /var/run/docker.pid
  fi
  as_root bash -c "nohup dockerd >>'${LOG}' 2>&1 </dev/null &"
fi

for _ in $(seq 1 $((WAIT_SECONDS * 2))); do
  if engine_answers; then
    say "Docker Engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))."
    exit 0
  fi
  sleep 0.5
done

say "Docker Engine did not answer within ${WAIT_SECONDS}s. Last lines of ${LOG}:" >&2
tail -n 20 "${LOG}" >&2 2>/dev/null || true
exit 1

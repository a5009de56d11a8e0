#!/usr/bin/env bash
# A second Docker Engine that stands in for a remote host: it runs in its own mount namespace, where the folders
# the operator's files live in (/tmp, /work, $HOME, the checkout) are empty tmpfs mounts, with its own data root,
# exec root, cgroup parent and address pool, and answers on a loopback TCP port. A bind mount of an operator's
# path fails there exactly as on a real remote host, so the tests prove that nothing depends on those paths.
#   scripts/remote-docker.sh start   → prints DOCKER_HOST=tcp://127.0.0.1:PORT once it answers
#   scripts/remote-docker.sh stop
#   scripts/remote-docker.sh status  → exit 0 when it answers
set -euo pipefail

PORT=${REMOTE_DOCKER_PORT:-23750}
BASE=${REMOTE_DOCKER_BASE:-/var/lib/af-remote-docker}
RUN=/run/af-remote-docker
LOG=${REMOTE_DOCKER_LOG:-/tmp/af-remote-dockerd.log}
HOST="tcp://127.0.0.1:${PORT}"
BRIDGE=${REMOTE_DOCKER_BRIDGE:-afrdocker0}
REPO=$(cd "$(dirname "$0")/.." && pwd)

say() { echo "remote-docker: $*" >&2; }
answers() { DOCKER_HOST="$HOST" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    say "need root to run: $* (no sudo available)"; return 1; fi
}

start() {
  if answers; then echo "DOCKER_HOST=${HOST}"; return 0; fi
  command -v dockerd >/dev/null || { say "dockerd is not installed (apt-get install -y docker.io)"; return 1; }
  command -v unshare >/dev/null || { say "unshare is missing (util-linux)"; return 1; }
  as_root mkdir -p "$BASE" "$RUN"
  # Its network state is throwaway, and kept it is harmful: a second start from it deletes docker0 (the first
  # engine's bridge) in the network namespace the two share.
  as_root rm -f "$BASE/data/network/files/local-kv.db"
  # A default bridge of its own: it shares the host's network namespace, and a dockerd told "--bridge none"
  # deletes docker0, which the first engine's containers need.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    as_root ip link add "$BRIDGE" type bridge
    as_root ip addr add 10.214.0.1/24 dev "$BRIDGE"
    as_root ip link set "$BRIDGE" up
  fi
  if [ -f "$RUN/dockerd.pid" ] && ! kill -0 "$(cat "$RUN/dockerd.pid")" 2>/dev/null; then as_root rm -f "$RUN/dockerd.pid"; fi
  # Hidden in its namespace: every folder an operator's workspace or a test's temp folder can be in.
  local hide="/tmp /work /home /root ${REPO}"
  say "starting a second dockerd on ${HOST} (log: ${LOG}), hiding ${hide}"
  as_root bash -c "nohup unshare --mount --propagation private bash -c '
      for d in ${hide}; do [ -d \"\$d\" ] && mount -t tmpfs -o size=64m,mode=1777 tmpfs \"\$d\"; done
      exec dockerd --data-root ${BASE}/data --exec-root ${RUN}/exec --pidfile ${RUN}/dockerd.pid \
        -H ${HOST} -H unix://${RUN}/docker.sock --cgroup-parent /af-remote-docker \
        --bridge ${BRIDGE} --iptables=false --ip-masq=false --default-address-pool base=10.213.0.0/16,size=24
    ' >>'${LOG}' 2>&1 </dev/null &"
  for _ in $(seq 1 60); do
    if answers; then echo "DOCKER_HOST=${HOST}"; return 0; fi
    sleep 0.5
  done
  say "the second dockerd did not answer within 30 s; last lines of ${LOG}:"
  tail -n 20 "$LOG" >&2 || true
  return 1
}

stop() {
  if [ -f "$RUN/dockerd.pid" ]; then
    local pid; pid=$(cat "$RUN/dockerd.pid")
    as_root kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  *) say "usage: $0 start|stop|status"; exit 2 ;;
esac

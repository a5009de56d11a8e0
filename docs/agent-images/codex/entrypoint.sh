#!/bin/sh
# Hands /secrets/OPENAI_API_KEY to Codex as its CLI expects: `codex login --with-api-key` reads the key on stdin
# and keeps it in its own auth file under CODEX_HOME, so the key never passes through the environment or a
# command line (which `ps` and /proc would show).
set -eu
# The root file system is read-only; Codex's home is on the container's /tmp.
export HOME="${AGENT_HOME:-/tmp/agent-home}"
export CODEX_HOME="$HOME/.codex"
mkdir -p "$CODEX_HOME"
if [ -r /secrets/OPENAI_API_KEY ]; then
  codex login --with-api-key < /secrets/OPENAI_API_KEY >/dev/null
else
  echo "agent-entrypoint: no /secrets/OPENAI_API_KEY; set the agent secret OPENAI_API_KEY" >&2
fi
unset OPENAI_API_KEY 2>/dev/null || true
exec "$@"

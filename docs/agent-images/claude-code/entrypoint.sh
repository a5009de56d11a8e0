#!/bin/sh
# Hands /secrets/ANTHROPIC_API_KEY to Claude Code as its CLI expects, through an apiKeyHelper in its settings (a
# command whose output is the key), never through the environment: the key stays a read-only file, and nothing
# that lists the container's environment (docker inspect, /proc/1/environ, a child's env) shows it.
set -eu
# The root file system is read-only; the agent's home is on the container's /tmp.
export HOME="${AGENT_HOME:-/tmp/agent-home}"
mkdir -p "$HOME/.claude"
if [ -r /secrets/ANTHROPIC_API_KEY ]; then
  printf '{\n  "apiKeyHelper": "cat /secrets/ANTHROPIC_API_KEY"\n}\n' > "$HOME/.claude/settings.json"
  chmod 0600 "$HOME/.claude/settings.json"
else
  echo "agent-entrypoint: no /secrets/ANTHROPIC_API_KEY; set the agent secret ANTHROPIC_API_KEY" >&2
fi
unset ANTHROPIC_API_KEY 2>/dev/null || true
exec "$@"

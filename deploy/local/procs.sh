#!/usr/bin/env bash
# The API and a worker as local processes: run (foreground), up (background), down.
# Pid files in .run/ are the only way we find our processes: nothing is stopped by name.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN="$ROOT/.run"
BIN="$ROOT/.venv/bin"
API_PORT=${API_PORT:-8000}
mkdir -p "$RUN"
cd "$ROOT"

alive() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start() {  # name, command...
  local name=$1; shift
  if alive "$name"; then echo "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  nohup "$@" >>"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  echo "$name started (pid $!, log .run/$name.log)"
}

stop() {
  local name=$1 pid
  alive "$name" || { rm -f "$RUN/$name.pid"; return 0; }
  pid=$(cat "$RUN/$name.pid")
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$RUN/$name.pid"
  echo "$name stopped"
}

wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$API_PORT/ready" >/dev/null 2>&1; then
      echo "ready: http://127.0.0.1:$API_PORT/ (API docs at /docs)"; return 0
    fi
    sleep 0.5
  done
  echo "API did not become ready; see .run/api.log" >&2; return 1
}

case "${1:-}" in
  up)
    "$BIN/doc-extractor" topics create
    start worker "$BIN/doc-extractor" worker
    start api "$BIN/doc-extractor" api --port "$API_PORT"
    wait_ready ;;
  down)
    stop api
    stop worker ;;
  run)
    "$BIN/doc-extractor" topics create
    "$BIN/doc-extractor" worker &
    worker=$!
    trap 'kill -TERM $worker 2>/dev/null; wait $worker' EXIT
    echo "API on http://127.0.0.1:$API_PORT/ — Ctrl-C stops the API and the worker"
    "$BIN/doc-extractor" api --port "$API_PORT" ;;
  *) echo "usage: $0 up|down|run" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The API and a worker as local processes: run (foreground), up (background), down.
# Pid files in .run/ are the only way we find our processes: nothing is stopped by name.
set -euo pipefail
source "$(dirname "$0")/common.sh"
BIN="$REPO/.venv/bin"
API_PORT=${API_PORT:-8000}
# Three local brokers (KAFKA_NODES=3): the API and worker bootstrap from all of them, so either
# can (re)connect while one is down.
if [[ ${KAFKA_NODES:-1} == 3 && -z ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
  p=${KAFKA_PORT:-9092}
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$p,127.0.0.1:$((p + 2)),127.0.0.1:$((p + 4))"
fi
cd "$REPO"

start() {  # name, command...
  local name=$1 pid; shift
  if pid=$(our_pid "$RUN_DIR/$name.pid" doc-extractor); then
    echo "$name: already running (pid $pid)"; return
  fi
  nohup "$@" >>"$RUN_DIR/$name.log" 2>&1 9>&- &
  echo $! >"$RUN_DIR/$name.pid"
  echo "$name: started (pid $!, log $RUN_DIR/$name.log)"
}

wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$API_PORT/ready" >/dev/null 2>&1; then
      echo "ready: http://127.0.0.1:$API_PORT/ (API docs at /docs)"; return 0
    fi
    sleep 0.5
  done
  die "API did not become ready; see $RUN_DIR/api.log"
}

case "${1:-}" in
  up)
    "$BIN/doc-extractor" topics create
    start worker "$BIN/doc-extractor" worker
    start api "$BIN/doc-extractor" api --port "$API_PORT"
    wait_ready ;;
  down)
    stop_pid api "$RUN_DIR/api.pid" doc-extractor 30
    stop_pid worker "$RUN_DIR/worker.pid" doc-extractor 60 ;;  # time to finish in-flight work
  run)
    # Kafka and Redis are started here, not by make's `services`, so we know which ones this run
    # started: on exit it stops exactly those (Ctrl-C used to kill Redis, which handles SIGINT, and
    # leave Kafka, which ignores it when started in the background). Servers already up stay up.
    ours=()
    stop_all() {  # `|| true` throughout: under `set -e` a worker that exited non-zero (it got
      # the Ctrl-C too) would end this handler before it stops the servers
      if [[ -n ${worker:-} ]]; then kill -TERM "$worker" 2>/dev/null || true; wait "$worker" || true; fi
      for svc in "${ours[@]}"; do bash "$HERE/$svc.sh" stop || true; done
    }
    trap stop_all EXIT
    for svc in redis kafka; do
      bash "$HERE/$svc.sh" status >/dev/null 2>&1 || ours+=("$svc")
      bash "$HERE/$svc.sh" start
    done
    "$BIN/doc-extractor" topics create
    "$BIN/doc-extractor" worker &
    worker=$!
    echo "API on http://127.0.0.1:$API_PORT/ (docs at /docs); Ctrl-C stops everything this run started"
    "$BIN/doc-extractor" api --port "$API_PORT" ;;
  *) die "usage: $0 up|down|run" ;;
esac

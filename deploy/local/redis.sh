#!/usr/bin/env bash
# Local redis-server on loopback for development and tests, persistent (append-only file).
# Usage: deploy/local/redis.sh {start|stop|status}   (env vars: see deploy/local/README.md)
set -euo pipefail
source "$(dirname "$0")/common.sh"

PORT=${REDIS_PORT:-6379}
PID_FILE="$RUN_DIR/redis.pid"
LOG_FILE="$RUN_DIR/redis.log"
DATA_DIR="$RUN_DIR/redis"
MATCH="redis-server"  # with the pid from our pid file, enough to tell our server from a reused pid

# A listener that never answers (not redis) must not hang us: give PING 2 s.
ping() { [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null) == PONG ]]; }

start() {
  local pid t0 i
  need redis-server redis-server  # before any check: installing it may start Debian's own server
  if pid=$(our_pid "$PID_FILE" "$MATCH") && ping; then
    echo "redis: already running (pid $pid)"; return
  fi
  # Debian's package starts its own server on 6379; use whatever answers, but never stop it.
  if [[ -z ${pid:-} ]] && ping; then
    rm -f "$PID_FILE"
    echo "redis: 127.0.0.1:$PORT is answered by a redis-server that is not ours; using it"; return
  fi
  if [[ -z ${pid:-} ]]; then
    rm -f "$PID_FILE"
    port_open "$PORT" && die "redis: 127.0.0.1:$PORT is taken by something that is not redis"
    mkdir -p "$DATA_DIR"
    t0=$(now_ms)
    # AOF as in the compose stack: accepted documents' bytes, results and tenant schemas survive
    # a restart (fsync every second); no RDB snapshots on top of it.
    nohup redis-server --bind 127.0.0.1 --port "$PORT" --daemonize no --save "" \
      --appendonly yes --appendfsync everysec \
      --dir "$DATA_DIR" --logfile "" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
  fi
  t0=${t0:-$(now_ms)}
  for ((i = 0; i < 100; i++)); do  # 10 s
    ping && { echo "redis: ready on 127.0.0.1:$PORT in $(secs_since "$t0") s (pid $pid)"; return; }
    alive "$pid" || break
    sleep 0.1
  done
  tail -n 20 "$LOG_FILE" >&2
  stop_pid redis "$PID_FILE" "$MATCH" 10 >&2
  die "redis: did not answer PING on 127.0.0.1:$PORT (log: $LOG_FILE)"
}

status() {
  local pid
  if pid=$(our_pid "$PID_FILE" "$MATCH") && ping; then echo "redis: running (pid $pid, 127.0.0.1:$PORT)"
  elif [[ -z ${pid:-} ]] && ping; then echo "redis: 127.0.0.1:$PORT answered by a redis-server that is not ours"
  else echo "redis: stopped"; return 1
  fi
}

case ${1:-} in
  start) lock redis; start ;;
  stop) lock redis; stop_pid redis "$PID_FILE" "$MATCH" 30 ;;
  status) status ;;
  *) die "usage: $0 {start|stop|status}" ;;
esac

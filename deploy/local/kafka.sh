#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) on loopback, without Docker.
# Usage: deploy/local/kafka.sh {start|stop|status}   (env vars: see deploy/local/README.md)
set -euo pipefail
source "$(dirname "$0")/common.sh"

VERSION=${KAFKA_VERSION:-4.4.0}
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
CACHE_DIR=${KAFKA_CACHE_DIR:-$HOME/.cache/ai-doc-extractor/kafka-$VERSION}
STATE_DIR=${KAFKA_STATE_DIR:-$RUN_DIR/kafka}
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
PROPS="$STATE_DIR/server.properties"
MATCH="kafka.Kafka $PROPS"  # how our broker's command line reads (see our_pid)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

# Sets CP to the broker classpath: an unpacked release's libs/, or jars Maven copied into the cache.
# The .complete marker is written last, so an interrupted download is redone, not half used.
classpath() {
  if [[ -n ${KAFKA_HOME:-} ]]; then
    [[ -d $KAFKA_HOME/libs ]] || die "KAFKA_HOME=$KAFKA_HOME has no libs/ directory"
    CP="$KAFKA_HOME/libs/*"; return
  fi
  if [[ ! -f $CACHE_DIR/.complete ]]; then
    need mvn maven
    local t0; t0=$(now_ms)
    rm -rf "$CACHE_DIR/libs" && mkdir -p "$CACHE_DIR"
    # Output goes to a file, shown only on failure (Debian's Maven prints colour codes even with -B).
    mvn -q -B -f "$HERE/pom.xml" -Dkafka.version="$VERSION" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$CACHE_DIR/libs" >"$CACHE_DIR/mvn.log" 2>&1 ||
      { cat "$CACHE_DIR/mvn.log" >&2; die "kafka: Maven could not resolve org.apache.kafka:kafka_2.13:$VERSION"; }
    touch "$CACHE_DIR/.complete"
    echo "kafka: resolved $(ls "$CACHE_DIR/libs" | wc -l) jars into $CACHE_DIR in $(secs_since "$t0") s"
  fi
  CP="$CACHE_DIR/libs/*"
}

# Writes server.properties from the template (every start, so env changes apply) and formats the
# storage once. A cluster id is any 16 random bytes in URL-safe base64 without padding.
configure() {
  mkdir -p "$STATE_DIR/data"
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@DATA_DIR@|$STATE_DIR/data|g" -e "s|@AUTO_CREATE@|${KAFKA_AUTO_CREATE_TOPICS:-false}|g" \
      "$HERE/server.properties.in" >"$PROPS"
  [[ -f $STATE_DIR/data/meta.properties ]] && return
  local id t0; id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=') t0=$(now_ms)
  "$JAVA" -cp "$CP" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    kafka.tools.StorageTool format --standalone -t "$id" -c "$PROPS" >"$STATE_DIR/format.log" 2>&1 ||
    { cat "$STATE_DIR/format.log" >&2; die "kafka: formatting $STATE_DIR/data failed"; }
  echo "kafka: formatted $STATE_DIR/data (cluster $id) in $(secs_since "$t0") s"
}

# Waits until the broker both accepts connections and has logged that it finished starting.
# On failure it shows the log, stops what it started and exits non-zero.
wait_ready() {
  local pid=$1 t0=$2 timeout=${KAFKA_START_TIMEOUT:-60}
  while ! { port_open "$PORT" && grep -q "Kafka Server started" "$LOG_FILE"; }; do
    if ! alive "$pid"; then
      tail -n 40 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "kafka: broker exited during startup (log: $LOG_FILE)"
    fi
    if (($(now_ms) - t0 > timeout * 1000)); then
      tail -n 40 "$LOG_FILE" >&2; stop_pid kafka "$PID_FILE" "$MATCH" 30 >&2
      die "kafka: not ready after $timeout s (log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  echo "kafka: ready on 127.0.0.1:$PORT in $(secs_since "$t0") s (pid $pid)"
}

start() {
  local pid t0 p
  if pid=$(our_pid "$PID_FILE" "$MATCH"); then
    # Ours and up: nothing to do. Ours but not answering yet: another start is in progress, wait for it.
    if port_open "$PORT"; then echo "kafka: already running (pid $pid)"; return; fi
    wait_ready "$pid" "$(now_ms)"; return
  fi
  rm -f "$PID_FILE"
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "kafka: 127.0.0.1:$p is taken by a process that is not ours ($PID_FILE)"
  done
  need "$JAVA" openjdk-17-jre-headless
  classpath
  configure
  [[ -f $LOG_FILE ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"  # keep the previous run's log for post-mortems
  t0=$(now_ms)
  # Heap sized for a 2-core / 24 GiB dev machine; the GC flags follow Kafka's own start script.
  # shellcheck disable=SC2086  # KAFKA_HEAP_OPTS holds several words
  nohup "$JAVA" ${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$CP" kafka.Kafka "$PROPS" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_FILE"
  wait_ready $! "$t0"
}

status() {
  local pid
  if pid=$(our_pid "$PID_FILE" "$MATCH") && port_open "$PORT"; then
    echo "kafka: running (pid $pid, 127.0.0.1:$PORT)"
  elif [[ -n ${pid:-} ]]; then
    echo "kafka: starting (pid $pid, 127.0.0.1:$PORT not answering yet)"; return 1
  else
    echo "kafka: stopped"; return 1
  fi
}

case ${1:-} in
  start) lock kafka; start ;;
  stop) lock kafka; stop_pid kafka "$PID_FILE" "$MATCH" 30 ;;
  status) status ;;
  *) die "usage: $0 {start|stop|status}" ;;
esac

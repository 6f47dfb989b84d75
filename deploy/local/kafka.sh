#!/usr/bin/env bash
# Local Apache Kafka (KRaft) on loopback, without Docker: one node, or three with KAFKA_NODES=3.
# Usage: deploy/local/kafka.sh {start|stop|status}   (env vars: see deploy/local/README.md)
set -euo pipefail
source "$(dirname "$0")/common.sh"

VERSION=${KAFKA_VERSION:-4.4.0}
NODES=${KAFKA_NODES:-1}
# Unset KAFKA_NODES while a three-node cluster is what runs (`make down` without KAFKA_NODES=3): mean it.
[[ -z ${KAFKA_NODES:-} && ! -f $RUN_DIR/kafka.pid && -f $RUN_DIR/kafka-1.pid ]] && NODES=3
[[ $NODES == 1 || $NODES == 3 ]] || die "kafka: KAFKA_NODES must be 1 or 3, not $NODES"
BASE_PORT=${KAFKA_PORT:-9092}
BASE_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
CACHE_DIR=${KAFKA_CACHE_DIR:-$HOME/.cache/ai-doc-extractor/kafka-$VERSION}
BASE_STATE_DIR=${KAFKA_STATE_DIR:-$RUN_DIR/kafka}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

# node N: point the globals below at node N. One node keeps the historical names (.run/kafka.pid,
# ports 9092/9093); with three, node N is .run/kafka-N.pid on ports 9092+2(N-1) / 9093+2(N-1).
node() {
  NODE=$1
  if ((NODES == 1)); then
    NAME=kafka PORT=$BASE_PORT CONTROLLER_PORT=$BASE_CONTROLLER_PORT STATE_DIR=$BASE_STATE_DIR
  else
    NAME=kafka-$1 PORT=$((BASE_PORT + 2 * ($1 - 1)))
    CONTROLLER_PORT=$((BASE_CONTROLLER_PORT + 2 * ($1 - 1))) STATE_DIR=$BASE_STATE_DIR-$1
  fi
  PID_FILE="$RUN_DIR/$NAME.pid"
  LOG_FILE="$RUN_DIR/$NAME.log"
  PROPS="$STATE_DIR/server.properties"
  MATCH="kafka.Kafka $PROPS"  # how our broker's command line reads (see our_pid)
}

# The controller quorum of the three-node cluster: 1@127.0.0.1:9093,2@127.0.0.1:9095,...
voters() {
  local i out=()
  for ((i = 1; i <= NODES; i++)); do out+=("$i@127.0.0.1:$((BASE_CONTROLLER_PORT + 2 * (i - 1)))"); done
  local IFS=,; echo "${out[*]}"
}

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

# Never one that starts with "-": kafka-storage would read `-t -x...` as an option (1 start in 64).
new_id() {
  local id=""
  until [[ -n $id && $id != -* ]]; do id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
  echo "$id"
}

# The id the three nodes of a cluster share, made at the first start.
cluster_id() {
  local file="$BASE_STATE_DIR.cluster-id"
  [[ -s $file ]] || new_id >"$file"
  cat "$file"
}

# Writes server.properties from the template (every start, so env changes apply) and formats the
# storage once. A cluster id is any 16 random bytes in URL-safe base64 without padding; the three
# nodes of a cluster share one, kept in $KAFKA_STATE_DIR.cluster-id.
configure() {
  local template=server.properties.in format=(--standalone) id t0
  ((NODES == 1)) || template=server-cluster.properties.in format=()
  mkdir -p "$STATE_DIR/data"
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
      -e "s|@NODE_ID@|$NODE|g" -e "s|@VOTERS@|$(voters)|g" \
      -e "s|@DATA_DIR@|$STATE_DIR/data|g" -e "s|@AUTO_CREATE@|${KAFKA_AUTO_CREATE_TOPICS:-false}|g" \
      "$HERE/$template" >"$PROPS"
  [[ -f $STATE_DIR/data/meta.properties ]] && return
  if ((NODES == 1)); then id=$(new_id); else id=$(cluster_id); fi
  t0=$(now_ms)
  "$JAVA" -cp "$CP" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    kafka.tools.StorageTool format "${format[@]}" -t "$id" -c "$PROPS" >"$STATE_DIR/format.log" 2>&1 ||
    { cat "$STATE_DIR/format.log" >&2; die "$NAME: formatting $STATE_DIR/data failed"; }
  echo "$NAME: formatted $STATE_DIR/data (cluster $id) in $(secs_since "$t0") s"
}

# Waits until the broker both accepts connections and has logged that it finished starting.
# On failure it shows the log, stops what it started and exits non-zero.
wait_ready() {
  local pid=$1 t0=$2 timeout=${KAFKA_START_TIMEOUT:-60}
  while ! { port_open "$PORT" && grep -q "Kafka Server started" "$LOG_FILE"; }; do
    if ! alive "$pid"; then
      tail -n 40 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "$NAME: broker exited during startup (log: $LOG_FILE)"
    fi
    if (($(now_ms) - t0 > timeout * 1000)); then
      tail -n 40 "$LOG_FILE" >&2; stop_all >&2
      die "$NAME: not ready after $timeout s (log: $LOG_FILE)"
    fi
    sleep 0.2
  done
  echo "$NAME: ready on 127.0.0.1:$PORT in $(secs_since "$t0") s (pid $pid)"
}

# Starts the current node's JVM without waiting; sets LAUNCHED to its pid (empty if it was up).
launch() {
  local pid p
  LAUNCHED=
  if pid=$(our_pid "$PID_FILE" "$MATCH"); then
    # Ours and up: nothing to do. Ours but not answering yet: another start is in progress, wait for it.
    if port_open "$PORT"; then echo "$NAME: already running (pid $pid)"; return; fi
    LAUNCHED=$pid; return
  fi
  rm -f "$PID_FILE"
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "$NAME: 127.0.0.1:$p is taken by a process that is not ours ($PID_FILE)"
  done
  need "$JAVA" openjdk-17-jre-headless
  classpath
  configure
  [[ -f $LOG_FILE ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"  # keep the previous run's log for post-mortems
  # Heap sized for a 2-core / 24 GiB dev machine (three nodes get half each); the GC flags follow
  # Kafka's own start script.
  local heap="-Xms512m -Xmx1g"
  ((NODES == 1)) || heap="-Xms256m -Xmx512m"
  # shellcheck disable=SC2086  # KAFKA_HEAP_OPTS holds several words
  nohup "$JAVA" ${KAFKA_HEAP_OPTS:-$heap} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
    -cp "$CP" kafka.Kafka "$PROPS" >"$LOG_FILE" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_FILE"
  LAUNCHED=$!
}

# All nodes are launched before any is waited for: a node of three is not ready until a quorum of
# controllers is up.
start() {
  local i t0 pids=()
  t0=$(now_ms)
  if ((NODES > 1)); then
    # Format the nodes' storage side by side (a JVM each, seconds apiece); launch redoes any that failed.
    need "$JAVA" openjdk-17-jre-headless
    classpath
    cluster_id >/dev/null  # written once here, before the parallel formats read it
    for ((i = 1; i <= NODES; i++)); do
      node "$i"; our_pid "$PID_FILE" "$MATCH" >/dev/null || { configure 2>/dev/null & }
    done
    wait
  fi
  for ((i = 1; i <= NODES; i++)); do node "$i"; launch; pids[i]=$LAUNCHED; done
  for ((i = 1; i <= NODES; i++)); do
    node "$i"; [[ -n ${pids[i]} ]] && wait_ready "${pids[i]}" "$t0"
  done
  return 0
}

# Every node gets SIGTERM at once: stopped one after another, the last ones lose the controller
# quorum and hang in controlled shutdown until the SIGKILL.
stop_all() {
  local i pid
  for ((i = 1; i <= NODES; i++)); do
    node "$i"; pid=$(our_pid "$PID_FILE" "$MATCH") && kill -TERM "$pid" 2>/dev/null || true
  done
  for ((i = 1; i <= NODES; i++)); do node "$i"; stop_pid "$NAME" "$PID_FILE" "$MATCH" 30; done
}

status() {
  local pid i rc=0
  for ((i = 1; i <= NODES; i++)); do
    node "$i"; pid=
    if pid=$(our_pid "$PID_FILE" "$MATCH") && port_open "$PORT"; then
      echo "$NAME: running (pid $pid, 127.0.0.1:$PORT)"
    elif [[ -n ${pid:-} ]]; then
      echo "$NAME: starting (pid $pid, 127.0.0.1:$PORT not answering yet)"; rc=1
    else
      echo "$NAME: stopped"; rc=1
    fi
  done
  return $rc
}

case ${1:-} in
  start) lock kafka; start ;;
  stop) lock kafka; stop_all ;;
  status) status ;;
  *) die "usage: $0 {start|stop|status}" ;;
esac

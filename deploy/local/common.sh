# Helpers shared by kafka.sh and redis.sh. Sourced, not run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/deploy/local"
RUN_DIR=${RUN_DIR:-$REPO/.run}
mkdir -p "$RUN_DIR"

die() { echo "$*" >&2; exit 1; }

# now_ms: wall clock in milliseconds (bash 5's EPOCHREALTIME, no subprocess).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
secs_since() { local d=$(($(now_ms) - $1)); printf '%d.%01d' $((d / 1000)) $((d % 1000 / 100)); }

# lock NAME: hold $RUN_DIR/NAME.lock until the script exits, so two concurrent starts (say `make up`
# and a test run) cannot both launch a server. Children must not inherit fd 9 (launch them with 9>&-),
# or the lock would live as long as the server.
lock() { exec 9>"$RUN_DIR/$1.lock"; flock -w 120 9 || die "$1: another start/stop still holds $RUN_DIR/$1.lock"; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# our_pid PIDFILE PATTERN: print the pid in PIDFILE if that process is alive and its command line
# contains PATTERN. The pattern check keeps a stale pid file from pointing us at an unrelated
# process that reused the pid; a zombie has an empty command line, so it counts as gone.
our_pid() {
  local pid cmd
  [[ -f $1 ]] && pid=$(<"$1") && [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmd == *"$2"* ]] || return 1
  echo "$pid"
}

# alive PID: the process exists and is not a zombie. A child just started with `cmd &` is checked
# this way, not with our_pid: until it has exec'd, its command line is still the shell's.
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $state && $state != Z* ]]
}

# stop_pid NAME PIDFILE PATTERN GRACE_SECONDS: SIGTERM our process, SIGKILL it after the grace time.
stop_pid() {
  local pid i
  if ! pid=$(our_pid "$2" "$3"); then
    rm -f "$2"; echo "$1: not running"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $4 * 10; i++)); do our_pid "$2" "$3" >/dev/null || break; sleep 0.1; done
  if our_pid "$2" "$3" >/dev/null; then
    echo "$1: pid $pid still up after $4 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do our_pid "$2" "$3" >/dev/null || break; sleep 0.1; done
  fi
  rm -f "$2"
  echo "$1: stopped (pid $pid)"
}

# need CMD DEBIAN_PACKAGE: install the package when the command is missing and we are root.
need() {
  command -v "$1" >/dev/null && return 0
  [[ $(id -u) == 0 ]] || die "$1 not found: install the Debian package $2"
  echo "$1 not found: installing $2" >&2
  apt-get install -y -q "$2" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; }
}

#!/usr/bin/env bash
# Run a real Apache Kafka (KRaft mode, no ZooKeeper) from the official Maven
# Central jars, for tests and local use. There is no Docker and no Debian
# package for Kafka here, but Maven Central ships the broker itself
# (org.apache.kafka:kafka_2.13), so we let mvn resolve it plus a logging
# binding into a cache folder and start kafka.Kafka with plain `java -cp`.
#
# Run `scripts/kafka.sh help` for the commands. Every option has an
# environment variable too, so a Makefile can pass settings through.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname -- "$SCRIPT_DIR")
PROG=scripts/kafka.sh

# ---- settings (environment) -------------------------------------------------
KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
# The jar cache lives outside the checkout so a fresh clone (CI) reuses it,
# and mvn's own ~/.m2 cache makes a re-download offline and quick anyway.
CACHE_ROOT=${KAFKA_CHAT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/kafka-chat}
JAR_DIR=$CACHE_ROOT/kafka-$KAFKA_VERSION
# Logging bindings. 3.x logs through slf4j 1.7 and needs reload4j; 4.x moved
# to log4j2 but its pom names no binding at all (4.0.0 to 4.4.0 still pull
# slf4j-api 1.7.36), so for 4.x we pin slf4j-api 2.x ourselves and add log4j2's
# slf4j2 binding; a direct dependency wins over the transitive 1.7. Changing a
# pin refetches: the cache is reused only while its saved pom.xml is the same.
SLF4J_RELOAD4J_VERSION=${KAFKA_SLF4J_RELOAD4J_VERSION:-1.7.36}
SLF4J2_VERSION=${KAFKA_SLF4J2_VERSION:-2.0.20}
LOG4J2_VERSION=${KAFKA_LOG4J2_VERSION:-2.26.1}

DEFAULT_PORT=${KAFKA_PORT:-9092}
STATE_ROOT=${KAFKA_STATE_ROOT:-$REPO_DIR/.kafka}
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512m}
CLUSTER_HEAP_OPTS=${KAFKA_CLUSTER_HEAP_OPTS:--Xmx384m}
JVM_OPTS=${KAFKA_JVM_OPTS:-}
READY_TIMEOUT=${KAFKA_READY_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
if [[ -n ${JAVA:-} ]]; then :
elif [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then JAVA=$JAVA_HOME/bin/java
else JAVA=java
fi

# Hooks for extra listeners (SASL_PLAINTEXT, SSL, ...), appended verbatim to
# the generated server.properties after placeholder expansion (see usage).
EXTRA_LISTENERS=${KAFKA_EXTRA_LISTENERS:-}
EXTRA_ADVERTISED_LISTENERS=${KAFKA_EXTRA_ADVERTISED_LISTENERS:-$EXTRA_LISTENERS}
EXTRA_PROTOCOL_MAP=${KAFKA_EXTRA_PROTOCOL_MAP:-}
EXTRA_PROPERTIES=${KAFKA_EXTRA_PROPERTIES:-}
EXTRA_FORMAT_ARGS=${KAFKA_EXTRA_FORMAT_ARGS:-}

# The three-node test cluster: node N has broker port BASE+(N-1)*10000 and
# controller port one above it; BASE is 19092 unless KAFKA_CLUSTER_PORT says
# otherwise (a second cluster beside the tests', say a soak's).
CLUSTER_SIZE=3
CLUSTER_PORT=${KAFKA_CLUSTER_PORT:-19092}

# Printed by every Kafka 3.x/4.x KRaft server once it serves clients.
READY_LINE='Kafka Server started'

usage() {
  cat <<EOF
Usage: $PROG COMMAND [options]

Single node (broker+controller in one JVM, KRaft):
  fetch                        ensure the Kafka $KAFKA_VERSION jars are cached; print their folder
  start  [--port P] [--dir D]  start on 127.0.0.1:P (controller on P+1), wait until ready
  stop   [--port P] [--dir D]  SIGTERM, wait up to ${STOP_TIMEOUT}s, then SIGKILL
  status [--port P] [--dir D]  exit 0 if running
  clean  [--port P] [--dir D]  stop, then delete the state folder
  P defaults to \$KAFKA_PORT or 9092; D to <repo>/.kafka/broker-P.
  stop+start keeps topics and offsets; only clean forgets them.

Faults, for tests and soaks (only on a broker whose pid this script recorded):
  kill   [--port P] [--dir D]  SIGKILL, and wait until it is gone
  pause  [--port P] [--dir D]  SIGSTOP: frozen, its sockets open
  resume [--port P] [--dir D]  SIGCONT
  pid    [--port P] [--dir D]  print its pid (exit 1 if not running)

Three-node cluster (brokers 127.0.0.1:B, B+10000, B+20000; controllers one above each;
B is \$KAFKA_CLUSTER_PORT, now $CLUSTER_PORT):
  cluster-start  [--dir D]     start all three, wait until all are ready
  cluster-stop   [--dir D]
  cluster-status [--dir D]     one line per node; exit 0 if all three run
  cluster-clean  [--dir D]
  cluster-bootstrap            print the three brokers' host:port list
  node-start N | node-stop N | node-kill N | node-pause N | node-resume N | node-pid N  [--dir D]
                               one node (kill = SIGKILL, pause = SIGSTOP, resume = SIGCONT)
  D defaults to <repo>/.kafka/cluster (node N lives in D/node-N), or .kafka/cluster-B for
  another B.

Console tools (Kafka's own clients, fetched once beside the broker's jars):
  tools-fetch                  ensure org.apache.kafka:kafka-tools is cached; print its folder
  console-consumer ARGS...     run Kafka's console consumer with ARGS (--bootstrap-server ...)

State folder: server.properties, log4j config, data/, server.log (all broker
logging), server.out (JVM stdout/stderr), broker.pid, cluster.id.

Environment:
  KAFKA_VERSION ($KAFKA_VERSION)  KAFKA_CHAT_CACHE (jar cache root, now $CACHE_ROOT)
  KAFKA_PORT  KAFKA_CLUSTER_PORT (19092)  KAFKA_STATE_ROOT (<repo>/.kafka)
  KAFKA_READY_TIMEOUT (90)  KAFKA_STOP_TIMEOUT (30)
  KAFKA_HEAP_OPTS (-Xmx512m)  KAFKA_CLUSTER_HEAP_OPTS (-Xmx384m)  KAFKA_JVM_OPTS  JAVA / JAVA_HOME
  KAFKA_EXTRA_LISTENERS             appended to listeners, e.g. SASL_PLAINTEXT://127.0.0.1:@PORT+2@
  KAFKA_EXTRA_ADVERTISED_LISTENERS  appended to advertised.listeners (default: the extra listeners)
  KAFKA_EXTRA_PROTOCOL_MAP          appended to listener.security.protocol.map (listeners named
                                    PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL are mapped automatically)
  KAFKA_EXTRA_PROPERTIES            lines appended to server.properties (later keys win)
  KAFKA_EXTRA_FORMAT_ARGS           extra words for StorageTool format, e.g.
                                    --add-scram SCRAM-SHA-256=[name=alice,password=secret]
  Placeholders in the KAFKA_EXTRA_* values: @PORT@ (broker port), @PORT+1@..@PORT+9@,
  @NODE@ (node id), @DIR@ (the node's state folder).
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { say "$*"; exit 1; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# Kafka 4 switched the broker's logging from log4j 1 (reload4j) to log4j2.
is_v4_or_later() {
  local major=${KAFKA_VERSION%%.*}
  is_uint "$major" && ((major >= 4))
}

# ---- jars ---------------------------------------------------------------------

FETCH_TMP=
cleanup() { if [[ -n $FETCH_TMP ]]; then rm -rf -- "$FETCH_TMP"; fi; }
trap cleanup EXIT

# The pom that lists the jars for KAFKA_VERSION, on stdout.
pom_text() {
  local deps
  deps=$(dep org.apache.kafka kafka_2.13 "$KAFKA_VERSION")
  if is_v4_or_later; then
    deps+=$(dep org.slf4j slf4j-api "$SLF4J2_VERSION")
    deps+=$(dep org.apache.logging.log4j log4j-slf4j2-impl "$LOG4J2_VERSION")
    deps+=$(dep org.apache.logging.log4j log4j-core "$LOG4J2_VERSION")
  else
    deps+=$(dep org.slf4j slf4j-reload4j "$SLF4J_RELOAD4J_VERSION")
  fi
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by $PROG only to let mvn resolve the Kafka broker's jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-chat</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>$deps
  </dependencies>
</project>
EOF
}

dep() {
  printf '\n    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>' "$@"
}

# The cached jars are complete and were fetched with today's pom (same Kafka
# version and logging pins).
jars_current() {
  [[ -f $JAR_DIR/.complete ]] && cmp -s -- "$JAR_DIR/pom.xml" <(pom_text)
}

ensure_jars() {
  # The marker is written only after mvn succeeded, so a download that was
  # interrupted (or failed half way) is redone from scratch next time.
  jars_current && return 0
  command -v mvn >/dev/null || die "mvn not found; it is needed once to fetch Kafka $KAFKA_VERSION into $JAR_DIR"
  mkdir -p -- "$CACHE_ROOT"
  # Parallel make jobs may all get here; one downloads, the rest wait for it.
  exec 9>"$CACHE_ROOT/.lock-kafka-$KAFKA_VERSION"
  if command -v flock >/dev/null; then flock 9; fi
  if ! jars_current; then
    if [[ -f $JAR_DIR/.complete ]]; then
      say "the jars in $JAR_DIR were fetched with another pom (a logging pin changed); fetching again"
    fi
    say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $JAR_DIR"
    FETCH_TMP=$(mktemp -d "$CACHE_ROOT/.fetch-$KAFKA_VERSION.XXXXXX")
    pom_text >"$FETCH_TMP/pom.xml"
    if ! mvn -q -B -f "$FETCH_TMP/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$FETCH_TMP/jars" >"$FETCH_TMP/mvn.log" 2>&1; then
      tail -n 30 "$FETCH_TMP/mvn.log" >&2
      die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is KAFKA_VERSION right?)"
    fi
    [[ -f $FETCH_TMP/jars/kafka_2.13-$KAFKA_VERSION.jar ]] ||
      die "mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing in $FETCH_TMP/jars"
    cp -- "$FETCH_TMP/pom.xml" "$FETCH_TMP/jars/pom.xml"
    rm -rf -- "$JAR_DIR"
    mv -- "$FETCH_TMP/jars" "$JAR_DIR"
    : >"$JAR_DIR/.complete"
    rm -rf -- "$FETCH_TMP"
    FETCH_TMP=
  fi
  exec 9>&-
}

# ---- processes ------------------------------------------------------------------

# Alive, zombies excepted: a broker that died while this script (its parent)
# still runs stays a zombie, and kill -0 alone would call it alive. But the
# JVM's main thread can turn zombie while its other threads are still being
# torn down and still hold the listening sockets; that counts as alive.
proc_alive() {
  local pid=$1 stat task
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -d /proc/self ]] || return 0                          # no procfs: trust kill -0
  stat=$(cat -- "/proc/$pid/stat" 2>/dev/null) || return 1 # gone meanwhile
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]] && return 0
  for task in "/proc/$pid/task/"*; do
    [[ ${task##*/} != "$pid" && -e $task ]] && return 0
  done
  return 1
}

# Print the pid from DIR/broker.pid if it names a live kafka.Kafka started on
# DIR/server.properties; checking the command line guards against pid reuse.
live_pid() {
  local sdir=$1 pid cmd
  [[ -f $sdir/broker.pid ]] || return 1
  pid=$(<"$sdir/broker.pid")
  if ! is_uint "$pid" || ! proc_alive "$pid"; then return 1; fi
  if [[ -d /proc/self ]]; then
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  else
    cmd=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
  fi
  [[ $cmd == *kafka.Kafka* && $cmd == *"$sdir/server.properties"* ]] || return 1
  printf '%s\n' "$pid"
}

# Something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' port-probe "$1" 2>/dev/null
}

metadata_ok() {
  if command -v kcat >/dev/null; then
    kcat -L -b "127.0.0.1:$1" -m 5 >/dev/null 2>&1
  else
    port_in_use "$1"
  fi
}

# SIGTERM every given state dir's broker at once (a KRaft quorum shuts down
# more cleanly together than one by one), wait, then SIGKILL what is left.
stop_dirs() {
  local sdir pid deadline left killed=0
  local -a dirs=() pids=()
  for sdir in "$@"; do
    if pid=$(live_pid "$sdir"); then
      kill -TERM "$pid" 2>/dev/null || true
      dirs+=("$sdir") pids+=("$pid")
    else
      rm -f -- "$sdir/broker.pid"
    fi
  done
  ((${#pids[@]})) || { say "not running"; return 0; }
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    left=0
    for pid in "${pids[@]}"; do if proc_alive "$pid"; then left=$((left + 1)); fi; done
    ((left == 0)) && break
    if ((SECONDS >= deadline && !killed)); then
      for pid in "${pids[@]}"; do
        if proc_alive "$pid"; then
          say "pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
        fi
      done
      killed=1
    fi
    sleep 0.2
  done
  for sdir in "${dirs[@]}"; do rm -f -- "$sdir/broker.pid"; done
  say "stopped ${dirs[*]}"
}

# ---- configuration ---------------------------------------------------------------

# Replace @PORT@, @PORT+N@, @NODE@ and @DIR@ in $1.
expand() {
  local s=$1 port=$2 node=$3 sdir=$4 n
  for n in 1 2 3 4 5 6 7 8 9; do s=${s//@PORT+$n@/$((port + n))}; done
  s=${s//@PORT@/$port}
  s=${s//@NODE@/$node}
  s=${s//@DIR@/$sdir}
  printf '%s' "$s"
}

# write_properties SDIR NODE_ID PORT CONTROLLER_PORT VOTERS [KEY=VALUE...]
# The listener strings are built from variables on purpose: later work adds
# SASL/SSL listeners through the KAFKA_EXTRA_* hooks without editing this.
write_properties() {
  local sdir=$1 node=$2 port=$3 ctrl_port=$4 voters=$5
  shift 5
  local listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl_port"
  local advertised="PLAINTEXT://127.0.0.1:$port"
  local protocol_map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  local extra name
  local -a names=()
  if [[ -n $EXTRA_LISTENERS ]]; then
    extra=$(expand "$EXTRA_LISTENERS" "$port" "$node" "$sdir")
    listeners+=",$extra"
    # Setting the map replaces Kafka's default identity entries, so give back
    # the ones the extra listeners need when they are named after a protocol.
    IFS=, read -r -a names <<<"$extra"
    for name in "${names[@]}"; do
      name=${name%%://*}
      case $name in PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL)
        [[ ,$protocol_map, == *",$name:"* ]] || protocol_map+=",$name:$name" ;;
      esac
    done
  fi
  if [[ -n $EXTRA_ADVERTISED_LISTENERS ]]; then
    advertised+=",$(expand "$EXTRA_ADVERTISED_LISTENERS" "$port" "$node" "$sdir")"
  fi
  if [[ -n $EXTRA_PROTOCOL_MAP ]]; then
    protocol_map+=",$(expand "$EXTRA_PROTOCOL_MAP" "$port" "$node" "$sdir")"
  fi
  {
    echo "# Generated by $PROG on every start; edit the script, not this file."
    echo "process.roles=broker,controller"
    echo "node.id=$node"
    echo "controller.quorum.voters=$voters"
    echo "controller.listener.names=CONTROLLER"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "listeners=$listeners"
    echo "advertised.listeners=$advertised"
    echo "listener.security.protocol.map=$protocol_map"
    echo "log.dirs=$sdir/data"
    echo "auto.create.topics.enable=true"
    echo "num.partitions=1"
    # Consumers join at once instead of after the default 3 s settling time.
    echo "group.initial.rebalance.delay.ms=0"
    # The controller fences a broker that stopped heartbeating only after this
    # session timeout (default 9 s). That delay is paid twice in fault tests:
    # leaders move off a SIGKILLed node only then, and a node restarted after
    # SIGKILL is refused (DUPLICATE_BROKER_REGISTRATION) until then. 4 s keeps
    # three missed heartbeats of slack on a busy two-core machine.
    echo "broker.heartbeat.interval.ms=1000"
    echo "broker.session.timeout.ms=4000"
    if is_v4_or_later; then
      # 4.x has share groups whose state topic defaults to 3 replicas; the
      # cluster settings below override these for three nodes.
      echo "share.coordinator.state.topic.replication.factor=1"
      echo "share.coordinator.state.topic.min.isr=1"
    fi
    if (($#)); then printf '%s\n' "$@"; fi
    if [[ -n $EXTRA_PROPERTIES ]]; then
      echo "# KAFKA_EXTRA_PROPERTIES"
      expand "$EXTRA_PROPERTIES" "$port" "$node" "$sdir"
      echo
    fi
  } >"$sdir/server.properties"
}

# The -D option that points the JVM at SDIR's logging config.
log_opt() {
  if is_v4_or_later; then
    echo "-Dlog4j2.configurationFile=$1/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$1/log4j.properties"
  fi
}

# Send all broker logging to SDIR/server.log and nothing to the terminal.
write_log_config() {
  local sdir=$1
  if is_v4_or_later; then
    cat >"$sdir/log4j2.properties" <<EOF
# Generated by $PROG: all broker logging goes to server.log.
status = warn
# log4j2's own shutdown hook runs alongside Kafka's and would stop logging in
# the middle of a SIGTERM shutdown (the rest is lost, and stderr gets "Unable
# to register Log4j shutdown hook because JVM is shutting down"). The file
# appender flushes every line, so nothing needs that hook.
shutdownHook = disable
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $sdir/server.log
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
EOF
  else
    cat >"$sdir/log4j.properties" <<EOF
# Generated by $PROG: all broker logging goes to server.log.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$sdir/server.log
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  fi
}

# storage_tool SDIR ARGS...: run Kafka's StorageTool logging into SDIR.
storage_tool() {
  local sdir=$1
  shift
  "$JAVA" -cp "$JAR_DIR/*" "$(log_opt "$sdir")" kafka.tools.StorageTool "$@"
}

# new_cluster_id SDIR (SDIR must have its logging config already)
new_cluster_id() {
  local id
  id=$(storage_tool "$1" random-uuid | tail -n 1) || die "StorageTool random-uuid failed"
  [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed '$id'"
  printf '%s\n' "$id"
}

# Format SDIR/data once. Re-formatting would wipe nothing (Kafka refuses), but
# skipping it when meta.properties exists is what makes stop+start keep data.
format_if_needed() {
  local sdir=$1 cluster_id=$2 out
  [[ -f $sdir/data/meta.properties ]] && return 0
  local -a extra=()
  # read -a splits on blanks without glob expansion, so [name=...] survives.
  if [[ -n $EXTRA_FORMAT_ARGS ]]; then read -r -a extra <<<"$EXTRA_FORMAT_ARGS"; fi
  if ! out=$(storage_tool "$sdir" format -t "$cluster_id" -c "$sdir/server.properties" "${extra[@]}" 2>&1); then
    printf '%s\n' "$out" >&2
    die "formatting $sdir/data failed"
  fi
  printf '%s\n' "$out" >>"$sdir/server.out"
  echo "$KAFKA_VERSION" >"$sdir/kafka.version"
}

# prepare_node SDIR NODE_ID PORT CONTROLLER_PORT VOTERS CLUSTER_ID [KEY=VALUE...]
# Write the configs; the caller then runs format_if_needed.
prepare_node() {
  local sdir=$1 node=$2 port=$3 ctrl_port=$4 voters=$5 cluster_id=$6
  shift 6
  mkdir -p -- "$sdir/data"
  write_log_config "$sdir"
  echo "$cluster_id" >"$sdir/cluster.id"
  write_properties "$sdir" "$node" "$port" "$ctrl_port" "$voters" "$@"
  if [[ -f $sdir/kafka.version && $(<"$sdir/kafka.version") != "$KAFKA_VERSION" ]]; then
    say "warning: $sdir was formatted by Kafka $(<"$sdir/kafka.version"), now starting $KAFKA_VERSION"
  fi
}

# cluster_id_for SDIR FILE: the cluster id of SDIR's formatted data, else the
# one saved in FILE, else a new one. Also writes SDIR's logging config, which
# every later java run (StorageTool, the broker) is pointed at.
cluster_id_for() {
  local sdir=$1 file=$2 id
  mkdir -p -- "$sdir"
  write_log_config "$sdir"
  if [[ -f $sdir/data/meta.properties ]]; then
    id=$(sed -n 's/^cluster\.id=//p' "$sdir/data/meta.properties")
    [[ -n $id ]] && { printf '%s\n' "$id"; return 0; }
  fi
  if [[ -s $file ]]; then
    cat -- "$file"
  else
    new_cluster_id "$sdir"
  fi
}

# ---- start and ready-wait ------------------------------------------------------------

# Globals describing brokers launched by this run, for wait_ready.
W_DIRS=() W_PORTS=() W_PIDS=() W_OFFSETS=()

# launch SDIR PORT HEAP_OPTS: start kafka.Kafka in the background, detached
# (setsid + nohup) so it outlives the calling shell, make, or a test runner.
launch() {
  local sdir=$1 port=$2 heap=$3 offset pid i
  local -a heap_opts=() jvm_opts=()
  read -r -a heap_opts <<<"$heap"
  if [[ -n $JVM_OPTS ]]; then read -r -a jvm_opts <<<"$JVM_OPTS"; fi
  rm -f -- "$sdir/broker.pid"
  # Only log lines written after this offset count as this start's output.
  offset=$(stat -c %s -- "$sdir/server.log" 2>/dev/null || echo 0)
  # The child writes its own pid and then execs java, so broker.pid is java's
  # pid even if setsid had to fork. The cwd is the state folder so that JVM
  # crash files (hs_err_pid*.log) land there too.
  # shellcheck disable=SC2016 # expanded by the inner bash
  nohup setsid bash -c 'cd -- "$1" && echo $$ >broker.pid && shift && exec "$@"' kafka-launch \
    "$sdir" "$JAVA" "${heap_opts[@]}" "${jvm_opts[@]}" -XX:+UseG1GC -Djava.awt.headless=true \
    "$(log_opt "$sdir")" -cp "$JAR_DIR/*" kafka.Kafka "$sdir/server.properties" \
    >>"$sdir/server.out" 2>&1 </dev/null &
  for ((i = 0; i < 100; i++)); do
    pid=$(cat -- "$sdir/broker.pid" 2>/dev/null || true)
    is_uint "$pid" && break
    sleep 0.05
  done
  is_uint "$pid" || die "broker process for $sdir did not start (see $sdir/server.out)"
  W_DIRS+=("$sdir") W_PORTS+=("$port") W_PIDS+=("$pid") W_OFFSETS+=("$offset")
}

show_failure() {
  local sdir=$1
  say "last 30 lines of $sdir/server.log:"
  tail -n 30 -- "$sdir/server.log" >&2 2>/dev/null || true
  if [[ -s $sdir/server.out ]]; then
    say "last 10 lines of $sdir/server.out:"
    tail -n 10 -- "$sdir/server.out" >&2
  fi
}

# Wait until every launched broker logged READY_LINE since its launch and
# answers a metadata request. On death or timeout: show the log, stop the
# brokers this run launched (no half-started leftovers), exit 1.
wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) i pending log
  local -a ready=()
  while :; do
    pending=0
    for i in "${!W_DIRS[@]}"; do
      [[ -n ${ready[i]:-} ]] && continue
      if ! proc_alive "${W_PIDS[i]}"; then
        say "Kafka on port ${W_PORTS[i]} exited during startup"
        show_failure "${W_DIRS[i]}"
        rm -f -- "${W_DIRS[i]}/broker.pid"
        stop_dirs "${W_DIRS[@]}" 2>/dev/null
        exit 1
      fi
      log=${W_DIRS[i]}/server.log
      # grep reads a process substitution, not a pipe: with pipefail, tail's
      # SIGPIPE after an early grep -q exit would read as failure.
      if [[ -f $log ]] && grep -qF "$READY_LINE" < <(tail -c "+$((W_OFFSETS[i] + 1))" -- "$log") &&
        metadata_ok "${W_PORTS[i]}"; then
        ready[i]=1
      else
        pending=$((pending + 1))
      fi
    done
    ((pending == 0)) && return 0
    if ((SECONDS >= deadline)); then
      for i in "${!W_DIRS[@]}"; do
        if [[ -z ${ready[i]:-} ]]; then
          say "Kafka on port ${W_PORTS[i]} not ready after ${READY_TIMEOUT}s"
          show_failure "${W_DIRS[i]}"
        fi
      done
      stop_dirs "${W_DIRS[@]}" 2>/dev/null
      exit 1
    fi
    sleep 0.5
  done
}

# Fail unless nothing listens on the given ports. A broker that was just
# stopped may hold its sockets for a moment longer, so retry briefly.
check_ports_free() {
  local p i
  for p in "$@"; do
    for ((i = 0; ; i++)); do
      port_in_use "$p" || break
      if ((i >= 10)); then
        die "port 127.0.0.1:$p is already in use by another process (not the broker whose pid file is in the state folder); pick another --port or stop that process"
      fi
      sleep 0.3
    done
  done
}

# ---- single node -----------------------------------------------------------------------

cmd_start() {
  local port=$1 sdir=$2 pid cluster_id
  if pid=$(live_pid "$sdir"); then
    echo "kafka already running on 127.0.0.1:$port (pid $pid, state: $sdir)"
    return 0
  fi
  check_ports_free "$port" "$((port + 1))"
  ensure_jars
  mkdir -p -- "$sdir"
  cluster_id=$(cluster_id_for "$sdir" "$sdir/cluster.id")
  prepare_node "$sdir" 1 "$port" "$((port + 1))" "1@127.0.0.1:$((port + 1))" "$cluster_id" \
    offsets.topic.replication.factor=1 \
    transaction.state.log.replication.factor=1 \
    transaction.state.log.min.isr=1
  format_if_needed "$sdir" "$cluster_id"
  launch "$sdir" "$port" "$HEAP_OPTS"
  wait_ready
  echo "kafka $KAFKA_VERSION ready on 127.0.0.1:$port (state: $sdir, log: $sdir/server.log)"
}

cmd_status() {
  local port=$1 sdir=$2 pid
  if pid=$(live_pid "$sdir"); then
    echo "kafka running on 127.0.0.1:$port (pid $pid, state: $sdir)"
  else
    echo "kafka not running (state: $sdir)"
    return 1
  fi
}

# rm -rf only folders that look like ours, whatever --dir says.
safe_remove() {
  local d=$1
  [[ -e $d ]] || return 0
  case $d in / | "${HOME:-/}" | "$REPO_DIR" | "$SCRIPT_DIR") die "refusing to delete $d" ;; esac
  if [[ -n $(ls -A -- "$d") && ! -e $d/server.properties && ! -e $d/cluster.id && ! -e $d/node-1 ]]; then
    die "refusing to delete $d: it does not look like a Kafka state folder"
  fi
  rm -rf -- "$d"
  # Drop the default parent too once nothing else is in it.
  rmdir -- "$STATE_ROOT" 2>/dev/null || true
  say "removed $d"
}

# ---- cluster -----------------------------------------------------------------------------

node_port() { echo $((CLUSTER_PORT + ($1 - 1) * 10000)); }

cluster_voters() {
  local n out=
  for n in $(all_nodes); do out+=${out:+,}$n@127.0.0.1:$(($(node_port "$n") + 1)); done
  echo "$out"
}

node_dir() { echo "$CLUSTER_DIR/node-$1"; }

all_nodes() { seq 1 "$CLUSTER_SIZE"; }

cluster_props() {
  echo default.replication.factor=3
  echo min.insync.replicas=2
  echo offsets.topic.replication.factor=3
  echo transaction.state.log.replication.factor=3
  echo transaction.state.log.min.isr=2
  if is_v4_or_later; then
    echo share.coordinator.state.topic.replication.factor=3
    echo share.coordinator.state.topic.min.isr=2
  fi
}

# One cluster id for all three formats, kept in CLUSTER_DIR/cluster.id.
cluster_prepare() {
  local n id sdir port pid failed=0
  local -a props formats=()
  mapfile -t props < <(cluster_props)
  mkdir -p -- "$CLUSTER_DIR"
  id=$(cluster_id_for "$(node_dir 1)" "$CLUSTER_DIR/cluster.id")
  echo "$id" >"$CLUSTER_DIR/cluster.id"
  for n in "$@"; do
    sdir=$(node_dir "$n")
    port=$(node_port "$n")
    prepare_node "$sdir" "$n" "$port" "$((port + 1))" "$(cluster_voters)" "$id" "${props[@]}"
  done
  # Each format is a JVM start (~1 s); run them side by side.
  for n in "$@"; do
    format_if_needed "$(node_dir "$n")" "$id" &
    formats+=("$!")
  done
  for pid in "${formats[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "formatting the cluster's storage failed"
}

cluster_endpoints() {
  local n out=
  for n in "$@"; do out+=${out:+,}127.0.0.1:$(node_port "$n"); done
  echo "$out"
}

# start_nodes N...: start every given node that is not running, then wait for
# all of them together (a KRaft quorum needs a majority up before any is ready).
start_nodes() {
  local n sdir port pid
  local -a todo=()
  for n in "$@"; do
    sdir=$(node_dir "$n")
    if pid=$(live_pid "$sdir"); then
      say "node $n already running (pid $pid)"
    else
      port=$(node_port "$n")
      check_ports_free "$port" "$((port + 1))"
      todo+=("$n")
    fi
  done
  if ((${#todo[@]} == 0)); then
    echo "kafka cluster already running on $(cluster_endpoints "$@") (state: $CLUSTER_DIR)"
    return 0
  fi
  ensure_jars
  cluster_prepare "${todo[@]}"
  for n in "${todo[@]}"; do launch "$(node_dir "$n")" "$(node_port "$n")" "$CLUSTER_HEAP_OPTS"; done
  wait_ready
  echo "kafka $KAFKA_VERSION ready on $(cluster_endpoints "${todo[@]}") (state: $CLUSTER_DIR, logs: node-N/server.log)"
}

cmd_cluster_status() {
  local n sdir pid down=0
  for ((n = 1; n <= CLUSTER_SIZE; n++)); do
    sdir=$(node_dir "$n")
    if pid=$(live_pid "$sdir"); then
      echo "node $n: running pid $pid broker 127.0.0.1:$(node_port "$n") (state: $sdir)"
    else
      echo "node $n: stopped (state: $sdir)"
      down=$((down + 1))
    fi
  done
  ((down == 0))
}

# kill_dir SDIR WHAT: SIGKILL the broker of SDIR and wait until it is gone.
kill_dir() {
  local sdir=$1 what=$2 pid
  if pid=$(live_pid "$sdir"); then
    kill -KILL "$pid"
    while proc_alive "$pid"; do sleep 0.1; done
    say "$what (pid $pid) killed"
  else
    say "$what not running"
  fi
  rm -f -- "$sdir/broker.pid"
}

# signal_dir SDIR SIGNAL WHAT: SIGSTOP or SIGCONT the broker of SDIR (only a
# pid this script recorded, still running kafka.Kafka on SDIR).
signal_dir() {
  local sdir=$1 sig=$2 what=$3 pid
  pid=$(live_pid "$sdir") || die "$what not running"
  kill "-$sig" "$pid"
  say "$what (pid $pid) sent SIG$sig"
}

pid_dir() {
  live_pid "$1" || { say "$2 not running"; return 1; }
}

# ---- Kafka's console tools ----------------------------------------------------------
# Kafka's console consumer lives in org.apache.kafka:kafka-tools (3.7 and
# later), which the broker does not need. It gets a folder of its own, so
# that the broker's cache (and its saved pom, which every checkout compares)
# stays as it is.

TOOLS_DIR=$CACHE_ROOT/kafka-tools-$KAFKA_VERSION
TOOLS_MAIN=org.apache.kafka.tools.consumer.ConsoleConsumer

tools_pom_text() {
  local deps
  deps=$(dep org.apache.kafka kafka-tools "$KAFKA_VERSION")
  # A logging binding, as for the broker: without one slf4j complains on
  # every run (console_consumer gives it a config that prints warnings).
  if is_v4_or_later; then
    deps+=$(dep org.slf4j slf4j-api "$SLF4J2_VERSION")
    deps+=$(dep org.apache.logging.log4j log4j-slf4j2-impl "$LOG4J2_VERSION")
    deps+=$(dep org.apache.logging.log4j log4j-core "$LOG4J2_VERSION")
  else
    deps+=$(dep org.slf4j slf4j-reload4j "$SLF4J_RELOAD4J_VERSION")
  fi
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by $PROG only to let mvn resolve Kafka's console tools. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-chat</groupId>
  <artifactId>kafka-tools-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>$deps
  </dependencies>
</project>
EOF
}

tools_current() {
  [[ -f $TOOLS_DIR/.complete ]] && cmp -s -- "$TOOLS_DIR/pom.xml" <(tools_pom_text)
}

# As ensure_jars, for the tools' folder.
ensure_tools() {
  tools_current && return 0
  command -v mvn >/dev/null || die "mvn not found; it is needed once to fetch Kafka's tools into $TOOLS_DIR"
  mkdir -p -- "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.lock-kafka-tools-$KAFKA_VERSION"
  if command -v flock >/dev/null; then flock 9; fi
  if ! tools_current; then
    say "fetching Kafka $KAFKA_VERSION console tools from Maven Central into $TOOLS_DIR"
    FETCH_TMP=$(mktemp -d "$CACHE_ROOT/.fetch-tools-$KAFKA_VERSION.XXXXXX")
    tools_pom_text >"$FETCH_TMP/pom.xml"
    if ! mvn -q -B -f "$FETCH_TMP/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$FETCH_TMP/jars" >"$FETCH_TMP/mvn.log" 2>&1; then
      tail -n 30 "$FETCH_TMP/mvn.log" >&2
      die "mvn could not fetch org.apache.kafka:kafka-tools:$KAFKA_VERSION"
    fi
    [[ -f $FETCH_TMP/jars/kafka-tools-$KAFKA_VERSION.jar ]] ||
      die "mvn finished but kafka-tools-$KAFKA_VERSION.jar is missing in $FETCH_TMP/jars"
    cp -- "$FETCH_TMP/pom.xml" "$FETCH_TMP/jars/pom.xml"
    rm -rf -- "$TOOLS_DIR"
    mv -- "$FETCH_TMP/jars" "$TOOLS_DIR"
    : >"$TOOLS_DIR/.complete"
    rm -rf -- "$FETCH_TMP"
    FETCH_TMP=
  fi
  exec 9>&-
}

# console_consumer ARGS...: Kafka's console consumer, records on stdout and
# its warnings (only those) on stderr.
console_consumer() {
  local status=0
  ensure_tools
  FETCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kafka-tools.XXXXXX") # removed on exit
  if is_v4_or_later; then
    printf '%s\n' 'status = error' 'appender.err.type = Console' 'appender.err.name = ERR' \
      'appender.err.target = SYSTEM_ERR' 'appender.err.layout.type = PatternLayout' \
      'appender.err.layout.pattern = %p %m%n' 'rootLogger.level = WARN' \
      'rootLogger.appenderRef.err.ref = ERR' >"$FETCH_TMP/log4j2.properties"
  else
    printf '%s\n' 'log4j.rootLogger=WARN, err' 'log4j.appender.err=org.apache.log4j.ConsoleAppender' \
      'log4j.appender.err.Target=System.err' 'log4j.appender.err.layout=org.apache.log4j.PatternLayout' \
      'log4j.appender.err.layout.ConversionPattern=%p %m%n' >"$FETCH_TMP/log4j.properties"
  fi
  "$JAVA" -Xmx512m "$(log_opt "$FETCH_TMP")" -cp "$TOOLS_DIR/*" "$TOOLS_MAIN" "$@" || status=$?
  return "$status"
}

# ---- command line ----------------------------------------------------------------------------

main() {
  local cmd=${1:-help} port=$DEFAULT_PORT dir='' node='' v n
  (($#)) && shift
  if [[ $cmd == console-consumer ]]; then console_consumer "$@"; return; fi
  while (($#)); do
    case $1 in
      --port) (($# >= 2)) || die "--port needs a value"; port=$2; shift 2 ;;
      --port=*) port=${1#*=}; shift ;;
      --dir) (($# >= 2)) || die "--dir needs a value"; dir=$2; shift 2 ;;
      --dir=*) dir=${1#*=}; shift ;;
      -h | --help) usage; exit 0 ;;
      *)
        if [[ $cmd == node-* && -z $node ]] && is_uint "$1"; then node=$1; shift
        else die "unknown argument '$1' (see $PROG help)"
        fi ;;
    esac
  done
  if ! is_uint "$port" || ((port < 1 || port > 65534)); then die "bad port '$port'"; fi
  for v in READY_TIMEOUT STOP_TIMEOUT; do is_uint "${!v}" || die "KAFKA_$v must be a number of seconds"; done
  if ! is_uint "$CLUSTER_PORT" || ((CLUSTER_PORT < 1 || CLUSTER_PORT + 20001 > 65535)); then
    die "bad KAFKA_CLUSTER_PORT '$CLUSTER_PORT' (node 3 listens 20000 above it)"
  fi

  # --dir is the single node's folder or the cluster's, depending on cmd.
  SDIR=$(realpath -m -- "${dir:-$STATE_ROOT/broker-$port}")
  if ((CLUSTER_PORT == 19092)); then
    CLUSTER_DIR=$(realpath -m -- "${dir:-$STATE_ROOT/cluster}")
  else
    CLUSTER_DIR=$(realpath -m -- "${dir:-$STATE_ROOT/cluster-$CLUSTER_PORT}")
  fi
  if [[ $cmd == node-* ]]; then
    if [[ -z $node ]] || ((node < 1 || node > CLUSTER_SIZE)); then
      die "$cmd needs a node number 1..$CLUSTER_SIZE"
    fi
  fi

  local -a nodes=() node_dirs=()
  mapfile -t nodes < <(all_nodes)
  for n in "${nodes[@]}"; do node_dirs+=("$(node_dir "$n")"); done

  case $cmd in
    help | -h | --help) usage ;;
    fetch) ensure_jars; echo "$JAR_DIR" ;;
    start) cmd_start "$port" "$SDIR" ;;
    stop) stop_dirs "$SDIR" ;;
    status) cmd_status "$port" "$SDIR" ;;
    # The data goes anyway: no point in a long graceful shutdown.
    clean) STOP_TIMEOUT=5; stop_dirs "$SDIR"; safe_remove "$SDIR" ;;
    cluster-start) start_nodes "${nodes[@]}" ;;
    cluster-stop) stop_dirs "${node_dirs[@]}" ;;
    cluster-status) cmd_cluster_status ;;
    cluster-clean) STOP_TIMEOUT=5; stop_dirs "${node_dirs[@]}"; safe_remove "$CLUSTER_DIR" ;;
    node-start) start_nodes "$node" ;;
    node-stop) stop_dirs "$(node_dir "$node")" ;;
    cluster-bootstrap) cluster_endpoints "${nodes[@]}" ;;
    node-kill) kill_dir "$(node_dir "$node")" "node $node" ;;
    node-pause) signal_dir "$(node_dir "$node")" STOP "node $node" ;;
    node-resume) signal_dir "$(node_dir "$node")" CONT "node $node" ;;
    node-pid) pid_dir "$(node_dir "$node")" "node $node" ;;
    kill) kill_dir "$SDIR" "kafka on port $port" ;;
    pause) signal_dir "$SDIR" STOP "kafka on port $port" ;;
    resume) signal_dir "$SDIR" CONT "kafka on port $port" ;;
    pid) pid_dir "$SDIR" "kafka on port $port" ;;
    tools-fetch) ensure_tools; echo "$TOOLS_DIR" ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"

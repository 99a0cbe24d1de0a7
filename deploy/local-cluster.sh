#!/usr/bin/env bash
# A local engine cluster on loopback: a PostgreSQL server and three `engine node` members
# (akka.tcp ports 4053-4055), all under .local-cluster/ in the repository.
#
#   deploy/local-cluster.sh up        build, start PostgreSQL and the three members, wait until they are up
#                                     (--monitoring: also Prometheus and Alertmanager with monitoring/'s files)
#   deploy/local-cluster.sh run ARGS  replay through the cluster: one more member that reads the feed
#                                     (the engine's usual options: --data, --synthetic, --summary-json, ...)
#   deploy/local-cluster.sh status    what runs, with pids, ports and log files
#   deploy/local-cluster.sh down      members leave (SIGTERM: shards hand over), PostgreSQL stops
#   deploy/local-cluster.sh purge     down, then remove .local-cluster/ (the journal too)
#
# Settings (environment): LOCAL_CLUSTER_DIR (default .local-cluster), LOCAL_CLUSTER_PG_PORT (5433),
# LOCAL_CLUSTER_BASE_PORT (4053: members on 4053-4055, the run's node on 4056),
# LOCAL_CLUSTER_ADMIN_PORT (9110: the members' admin ports 9110-9112 for engine-cli, the run's node
# 9113), LOCAL_CLUSTER_HTTP_PORT (9101: the members' /metrics, /healthz and /readyz on 9101-9103,
# the run's node 9104), LOCAL_CLUSTER_PROMETHEUS_PORT (9090), LOCAL_CLUSTER_ALERTMANAGER_PORT (9093).
# Any ENGINE_* variable is passed on to every node.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(realpath -m "${LOCAL_CLUSTER_DIR:-$repo/.local-cluster}")"
pg_port="${LOCAL_CLUSTER_PG_PORT:-5433}"
base_port="${LOCAL_CLUSTER_BASE_PORT:-4053}"
admin_port="${LOCAL_CLUSTER_ADMIN_PORT:-9110}"
http_port="${LOCAL_CLUSTER_HTTP_PORT:-9101}"
prometheus_port="${LOCAL_CLUSTER_PROMETHEUS_PORT:-9090}"
alertmanager_port="${LOCAL_CLUSTER_ALERTMANAGER_PORT:-9093}"
members=3
dll="$dir/bin/Engine.Host.dll"

die() { echo "local-cluster: $*" >&2; exit 1; }

pg_bin() {
  local bin
  bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$bin" ]] || die "PostgreSQL is not installed (Debian: apt-get install postgresql-15)"
  echo "$bin"
}

# initdb and pg_ctl refuse to run as root: as root they run as the postgres user.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

seeds() {
  local list="" i
  for ((i = 0; i < members; i++)); do list+="${list:+,}akka.tcp://engine@127.0.0.1:$((base_port + i))"; done
  echo "$list"
}

node_env() {
  export ENGINE_PERSISTENCE=postgres
  export ENGINE_DB_CONNECTION="Host=127.0.0.1;Port=$pg_port;Database=engine;Username=postgres"
  export ENGINE_CLUSTER_SEED_NODES
  ENGINE_CLUSTER_SEED_NODES="$(seeds)"
  export ENGINE_HOSTNAME=127.0.0.1
}

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Prometheus and Alertmanager, natively, with monitoring/'s own files: the targets, the rule files
# and the Alertmanager address rewritten to this cluster's ports (the rules and routes unchanged).
monitoring() {
  [[ -x /usr/bin/prometheus ]] || die "Prometheus is not installed (Debian: apt-get install prometheus)"
  [[ -x /usr/bin/prometheus-alertmanager ]] || die "Alertmanager is not installed (Debian: apt-get install prometheus-alertmanager)"
  mkdir -p "$dir/monitoring/secrets"
  local targets="" i
  for ((i = 0; i < members; i++)); do targets+="${targets:+, }\"127.0.0.1:$((http_port + i))\""; done
  sed -e "s#targets: \[\"127.0.0.1:9101\", \"127.0.0.1:9102\", \"127.0.0.1:9103\"\]#targets: [$targets]#" \
      -e "s#targets: \[\"127.0.0.1:9093\"\]#targets: [\"127.0.0.1:$alertmanager_port\"]#" \
      -e "s#- rules/#- $repo/monitoring/rules/#" \
      "$repo/monitoring/prometheus.yml" >"$dir/monitoring/prometheus.yml"
  # Secrets stay outside the repository: put the Slack webhook URL and the SMTP password in these files.
  touch "$dir/monitoring/secrets/slack-webhook-url" "$dir/monitoring/secrets/smtp-password"
  sed -e "s#/etc/alertmanager/secrets/#$dir/monitoring/secrets/#" "$repo/monitoring/alertmanager.yml" >"$dir/monitoring/alertmanager.yml"
  if ! running "$dir/run/prometheus.pid"; then
    nohup /usr/bin/prometheus --config.file="$dir/monitoring/prometheus.yml" --storage.tsdb.path="$dir/monitoring/prometheus-data" \
      --web.listen-address="127.0.0.1:$prometheus_port" >"$dir/logs/prometheus.log" 2>&1 &
    echo $! >"$dir/run/prometheus.pid"
  fi
  if ! running "$dir/run/alertmanager.pid"; then
    nohup /usr/bin/prometheus-alertmanager --config.file="$dir/monitoring/alertmanager.yml" --storage.path="$dir/monitoring/alertmanager-data" \
      --web.listen-address="127.0.0.1:$alertmanager_port" --cluster.listen-address= >"$dir/logs/alertmanager.log" 2>&1 &
    echo $! >"$dir/run/alertmanager.pid"
  fi
  echo "Prometheus on http://127.0.0.1:$prometheus_port (rules: monitoring/rules), Alertmanager on http://127.0.0.1:$alertmanager_port (secrets: $dir/monitoring/secrets)"
}

up() {
  local with_monitoring=""
  [[ "${1:-}" == "--monitoring" ]] && with_monitoring=1
  [[ -z "${1:-}" || -n "$with_monitoring" ]] || die "up: unknown option '$1' (only --monitoring)"
  mkdir -p "$dir/logs" "$dir/run"
  echo "building the engine into $dir/bin"
  dotnet build "$repo/src/Engine.Host" -c Release -o "$dir/bin" -nologo -v quiet >"$dir/logs/build.log" 2>&1 \
    || die "build failed; see $dir/logs/build.log"

  local bin
  bin="$(pg_bin)"
  if [[ ! -d "$dir/pg" ]]; then
    mkdir -p "$dir/pg"
    [[ "$(id -u)" == 0 ]] && chown postgres "$dir/pg"
    as_pg "$bin/initdb" -D "$dir/pg/data" -A trust -U postgres >"$dir/logs/initdb.log" 2>&1 || die "initdb failed; see $dir/logs/initdb.log"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -w -l "$dir/pg/server.log" \
      -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null || die "PostgreSQL did not start; see $dir/pg/server.log"
  fi
  as_pg "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'engine'" | grep -q 1 \
    || as_pg "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE engine"
  echo "PostgreSQL on 127.0.0.1:$pg_port (database engine)"

  node_env
  local i port
  for ((i = 0; i < members; i++)); do
    port=$((base_port + i))
    if running "$dir/run/node-$port.pid"; then continue; fi
    ENGINE_REMOTE_PORT=$port ENGINE_ADMIN_PORT=$((admin_port + i)) ENGINE_HTTP_PORT=$((http_port + i)) ENGINE_CLUSTER_MIN_NODES=$members \
      nohup dotnet "$dll" node >"$dir/logs/node-$port.log" 2>&1 &
    echo $! >"$dir/run/node-$port.pid"
  done
  for ((i = 0; i < members; i++)); do
    port=$((base_port + i))
    for _ in $(seq 1 120); do
      grep -q " is up " "$dir/logs/node-$port.log" 2>/dev/null && break
      running "$dir/run/node-$port.pid" || die "member on $port stopped; see $dir/logs/node-$port.log"
      sleep 0.5
    done
    grep -q " is up " "$dir/logs/node-$port.log" || die "member on $port is not up after 60 s; see $dir/logs/node-$port.log"
    echo "member akka.tcp://engine@127.0.0.1:$port is up (engine-cli 127.0.0.1:$((admin_port + i)); metrics http://127.0.0.1:$((http_port + i))/metrics; log: $dir/logs/node-$port.log)"
  done
  [[ -z "$with_monitoring" ]] || monitoring
}

run() {
  [[ -f "$dll" ]] || die "not up: run '$0 up' first"
  node_env
  ENGINE_REMOTE_PORT=$((base_port + members)) ENGINE_ADMIN_PORT=$((admin_port + members)) ENGINE_HTTP_PORT=$((http_port + members)) \
    exec dotnet "$dll" "$@"
}

status() {
  local bin i port
  bin="$(pg_bin)"
  if [[ -d "$dir/pg/data" ]] && as_pg "$bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1; then
    echo "PostgreSQL      running on 127.0.0.1:$pg_port"
  else
    echo "PostgreSQL      stopped"
  fi
  for ((i = 0; i < members; i++)); do
    port=$((base_port + i))
    if running "$dir/run/node-$port.pid"; then
      echo "member :$port    running (pid $(cat "$dir/run/node-$port.pid"), engine-cli 127.0.0.1:$((admin_port + i)), metrics :$((http_port + i)), log $dir/logs/node-$port.log)"
    else
      echo "member :$port    stopped"
    fi
  done
  running "$dir/run/prometheus.pid" && echo "Prometheus      running (pid $(cat "$dir/run/prometheus.pid"), http://127.0.0.1:$prometheus_port)"
  running "$dir/run/alertmanager.pid" && echo "Alertmanager    running (pid $(cat "$dir/run/alertmanager.pid"), http://127.0.0.1:$alertmanager_port)"
  return 0
}

down() {
  local i port pid bin
  for name in prometheus alertmanager; do
    if running "$dir/run/$name.pid"; then
      kill -TERM "$(cat "$dir/run/$name.pid")"
      echo "$name stopped"
    fi
    rm -f "$dir/run/$name.pid"
  done
  for ((i = members - 1; i >= 0; i--)); do
    port=$((base_port + i))
    if running "$dir/run/node-$port.pid"; then
      pid="$(cat "$dir/run/node-$port.pid")"
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && { echo "member :$port did not leave in 30 s; killing it"; kill -KILL "$pid"; }
      echo "member :$port stopped"
    fi
    rm -f "$dir/run/node-$port.pid"
  done
  if [[ -d "$dir/pg/data" ]]; then
    bin="$(pg_bin)"
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1 && as_pg "$bin/pg_ctl" -D "$dir/pg/data" -w -m fast stop >/dev/null
    echo "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  up) shift; up "$@" ;;
  run) shift; run "$@" ;;
  status) status ;;
  down) down ;;
  purge) down; rm -rf "$dir"; echo "removed $dir" ;;
  *) echo "usage: $0 up [--monitoring] | run [engine options] | status | down | purge" >&2; exit 2 ;;
esac

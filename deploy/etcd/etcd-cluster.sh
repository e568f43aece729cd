#!/usr/bin/env bash
# A 3-member etcd cluster on loopback, for `sluice bench write --compare etcd`: the same machine, the
# same write load, side by side. Debian's etcd-server (3.4) is installed if missing; nothing is
# downloaded from elsewhere. etcd fsyncs its log before it acknowledges a write, as Sluice does.
#
#   deploy/etcd/etcd-cluster.sh up     start the members (clients on 127.0.0.1:23791-23793) and wait until healthy
#   deploy/etcd/etcd-cluster.sh down   stop them and delete their data
#   deploy/etcd/etcd-cluster.sh install   only install etcd (CI does, for the comparison's test)
#
# SLUICE_ETCD_DIR (default /tmp/sluice-etcd) holds data, logs and pids; SLUICE_ETCD_PORT_BASE (default
# 23790) moves the ports: member N serves clients on BASE+N and peers on BASE+10+N.
set -euo pipefail

DIR="${SLUICE_ETCD_DIR:-/tmp/sluice-etcd}"
BASE="${SLUICE_ETCD_PORT_BASE:-23790}"
if [[ ! "$BASE" =~ ^[0-9]{1,5}$ ]] || (( 10#$BASE < 1 || 10#$BASE + 13 > 65535 )); then
  echo "SLUICE_ETCD_PORT_BASE must be a port number up to 65522, got '$BASE'" >&2
  exit 2
fi
BASE=$((10#$BASE))

client_url() { echo "http://127.0.0.1:$((BASE + $1))"; }
peer_url() { echo "http://127.0.0.1:$((BASE + 10 + $1))"; }
endpoints() { echo "$(client_url 1),$(client_url 2),$(client_url 3)"; }

install_etcd() {
  if command -v etcd > /dev/null && command -v etcdctl > /dev/null; then return; fi
  apt-get update -q
  # The package would start its own member on 2379 where a service manager runs: policy-rc.d says no
  # (only if the machine has no policy of its own, which is then left as it was).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Removed however the script ends, so that a failed install leaves no policy behind.
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends etcd-server etcd-client
}

# True if member N's pid file names a running etcd (not a process that reused the pid).
running() {
  local pid
  [[ -f "$DIR/e$1.pid" ]] || return 1
  pid=$(cat "$DIR/e$1.pid")
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "etcd --name e$1 "
}

up() {
  install_etcd
  mkdir -p "$DIR"
  local cluster="e1=$(peer_url 1),e2=$(peer_url 2),e3=$(peer_url 3)" n
  for n in 1 2 3; do
    if running "$n"; then continue; fi
    nohup etcd --name "e$n" --data-dir "$DIR/e$n" \
      --listen-client-urls "$(client_url $n)" --advertise-client-urls "$(client_url $n)" \
      --listen-peer-urls "$(peer_url $n)" --initial-advertise-peer-urls "$(peer_url $n)" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token sluice-bench \
      < /dev/null > "$DIR/e$n.log" 2>&1 &
    echo $! > "$DIR/e$n.pid"
  done
  local deadline=$((SECONDS + 30))
  until ETCDCTL_API=3 etcdctl --dial-timeout=1s --command-timeout=1s --endpoints "$(endpoints)" endpoint health > /dev/null 2>&1; do
    if (( SECONDS >= deadline )); then
      echo "etcd did not become healthy in 30 s; see the logs, kept in $DIR.failed" >&2
      stop_members
      rm -rf "$DIR.failed" && mv "$DIR" "$DIR.failed"
      exit 1
    fi
    sleep 0.2
  done
  echo "etcd up: --etcd $(endpoints)"
}

stop_members() {
  local n pid
  for n in 1 2 3; do
    running "$n" || continue
    pid=$(cat "$DIR/e$n.pid")
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
}

down() {
  stop_members
  rm -rf "$DIR"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  install) install_etcd ;;
  *) echo "usage: $0 up|down|install" >&2; exit 2 ;;
esac

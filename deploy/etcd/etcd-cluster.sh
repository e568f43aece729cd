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
[[ "$BASE" =~ ^[0-9]+$ ]] && (( BASE > 0 && BASE + 13 < 65536 )) || { echo "SLUICE_ETCD_PORT_BASE must be a port number, got '$BASE'" >&2; exit 2; }

client_url() { echo "http://127.0.0.1:$((BASE + $1))"; }
peer_url() { echo "http://127.0.0.1:$((BASE + 10 + $1))"; }
endpoints() { echo "$(client_url 1),$(client_url 2),$(client_url 3)"; }

install_etcd() {
  if command -v etcd > /dev/null && command -v etcdctl > /dev/null; then return; fi
  apt-get update -q
  # The package would start its own member on 2379 where a service manager runs: policy-rc.d says no
  # (only if the machine has no policy of its own, which is then left as it was).
  local policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends etcd-server etcd-client
  [[ -z "$policy" ]] || rm -f "$policy"
}

up() {
  install_etcd
  mkdir -p "$DIR"
  local cluster="e1=$(peer_url 1),e2=$(peer_url 2),e3=$(peer_url 3)" n
  for n in 1 2 3; do
    if [[ -f "$DIR/e$n.pid" ]] && kill -0 "$(cat "$DIR/e$n.pid")" 2> /dev/null; then continue; fi
    nohup etcd --name "e$n" --data-dir "$DIR/e$n" \
      --listen-client-urls "$(client_url $n)" --advertise-client-urls "$(client_url $n)" \
      --listen-peer-urls "$(peer_url $n)" --initial-advertise-peer-urls "$(peer_url $n)" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token sluice-bench \
      > "$DIR/e$n.log" 2>&1 &
    echo $! > "$DIR/e$n.pid"
  done
  local tries=0
  until ETCDCTL_API=3 etcdctl --endpoints "$(endpoints)" endpoint health > /dev/null 2>&1; do
    (( ++tries < 150 )) || { echo "etcd did not become healthy in 30 s; see $DIR/e*.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "etcd up: --etcd $(endpoints)"
}

down() {
  local n pid
  for n in 1 2 3; do
    [[ -f "$DIR/e$n.pid" ]] || continue
    pid=$(cat "$DIR/e$n.pid")
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  rm -rf "$DIR"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  install) install_etcd ;;
  *) echo "usage: $0 up|down|install" >&2; exit 2 ;;
esac

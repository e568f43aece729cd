#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the chaos tests. As root:
# installs Debian's docker.io (plus nftables for the network faults, and docker-compose for the
# deploy/docker-compose.yml test) if missing, starts dockerd by
# hand if no daemon answers, and waits for it. No bridge, no iptables rules of Docker's own: the
# chaos containers use host networking on loopback, and no private-range address is ever created.
set -euo pipefail

log() { echo "docker-up: $*"; }

if ! command -v dockerd > /dev/null || ! command -v nft > /dev/null || ! command -v docker-compose > /dev/null; then
  log "installing docker.io, docker-compose and nftables"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io docker-compose nftables iptables > /dev/null
fi

if docker version > /dev/null 2>&1; then
  log "a Docker engine already answers"
  exit 0
fi

# A daemon that was killed (or a machine restored from a snapshot) leaves its pid file behind, and
# a new dockerd refuses to start while it exists: remove it unless that pid is a running dockerd
# (the number may have been reused by any other process since).
pid_file=/var/run/docker.pid
if [[ -f "$pid_file" ]] && [[ "$(cat "/proc/$(cat "$pid_file")/comm" 2> /dev/null)" != dockerd ]]; then
  log "removing the stale $pid_file of a daemon that is gone"
  rm -f "$pid_file"
fi

log "starting dockerd (log in /var/log/sluice-dockerd.log)"
# The daemon outlives this script: close every inherited descriptor beyond stdio, or it keeps
# whatever its caller held open (a build lock, a pipe a CI runner waits on).
nohup dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
  > /var/log/sluice-dockerd.log 2>&1 < /dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
for _ in $(seq 1 120); do
  if docker version > /dev/null 2>&1; then
    log "Docker engine $(docker version --format '{{.Server.Version}}') is up"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within 60 s; its log:" >&2
tail -20 /var/log/sluice-dockerd.log >&2
exit 1

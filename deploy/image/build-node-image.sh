#!/usr/bin/env bash
# Builds the Sluice node image without pulling anything: a jlinked Java runtime, the shared
# libraries it links against, and the node's jars, imported as an image with no base layer.
# Prints the image name (sluice-node:<content hash>) as its last line; an image whose content is
# unchanged is not built again. Also tags it sluice-node:latest.
#   deploy/image/build-node-image.sh            build the node jar first if it is missing
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/node/target/sluice-node.jar"
LIB="$ROOT/node/target/lib"
NODE_OPTIONS="$ROOT/deploy/jvm/node.options"
# From `jdeps --print-module-deps` over the node's jars, plus what is loaded reflectively
# (logging, JMX, XML for logback, DNS naming).
MODULES=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.httpserver,jdk.management,jdk.naming.dns,jdk.unsupported

log() { echo "build-node-image: $*" >&2; }

if [[ ! -f "$JAR" || ! -d "$LIB" ]]; then
  log "building the node jar"
  (cd "$ROOT" && mvn -B -q -DskipTests -pl node -am package)
fi

java_version=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')
content_hash=$( { echo "$java_version $MODULES"; unzip -p "$JAR"; ls "$LIB"; cat "$NODE_OPTIONS" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-12)
IMAGE="sluice-node:$content_hash"
if docker image inspect "$IMAGE" > /dev/null 2>&1; then
  log "$IMAGE is up to date"
  echo "$IMAGE"
  exit 0
fi

# The runtime depends only on the JDK and the module list: cache it across builds.
JRE="${XDG_CACHE_HOME:-$HOME/.cache}/sluice/jre-$java_version-$(echo "$MODULES" | sha256sum | cut -c1-8)"
if [[ ! -x "$JRE/bin/java" ]]; then
  log "jlinking a Java runtime into $JRE"
  rm -rf "$JRE" && mkdir -p "$(dirname "$JRE")"
  jlink --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$JRE"
fi

ROOTFS=$(mktemp -d)
trap 'rm -rf "$ROOTFS"' EXIT
mkdir -p "$ROOTFS/opt/sluice" "$ROOTFS/tmp" "$ROOTFS/data" "$ROOTFS/etc"
chmod 1777 "$ROOTFS/tmp" "$ROOTFS/data"
cp -a "$JRE" "$ROOTFS/opt/java"
cp "$JAR" "$ROOTFS/opt/sluice/"
cp -r "$LIB" "$ROOTFS/opt/sluice/lib"
cp "$NODE_OPTIONS" "$ROOTFS/opt/sluice/"
echo "sluice:x:20000:20000:sluice:/tmp:/nonexistent" > "$ROOTFS/etc/passwd"
# Every shared library the runtime links against, at the same path, and the dynamic loader.
find "$ROOTFS/opt/java" -type f \( -name java -o -name '*.so' \) -print0 \
  | xargs -0 ldd 2> /dev/null | awk '/=> \// { print $3 } /^\t\/lib64\// { print $1 }' | sort -u \
  | while read -r lib; do cp --parents -L "$lib" "$ROOTFS"; done

log "importing $IMAGE"
tar -C "$ROOTFS" -c . | docker import \
  --change 'ENTRYPOINT ["/opt/java/bin/java", "-XX:+ExitOnOutOfMemoryError", "@/opt/sluice/node.options", "-cp", "/opt/sluice/sluice-node.jar:/opt/sluice/lib/*", "io.sluice.node.cli.SluiceCli"]' \
  --change 'CMD ["--help"]' \
  --change 'WORKDIR /tmp' \
  --change "LABEL io.sluice.image=node" \
  - "$IMAGE" > /dev/null
docker tag "$IMAGE" sluice-node:latest
echo "$IMAGE"

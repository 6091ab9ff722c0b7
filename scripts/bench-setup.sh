#!/usr/bin/env bash
# Installs the peers `anvil bench` measures Anvil against, idempotently: when
# everything is present it prints nothing. Debian packages (OpenBLAS, oneDNN,
# Halide 14) via apt; Apache TVM from PyPI into a virtual environment.
#
#   scripts/bench-setup.sh [VENV_DIR]     (default: build/bench-venv)
#
# A peer that cannot be installed is reported and skipped, never fatal: the
# benchmark then prints the reason next to the rows it cannot produce.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$root/build/bench-venv}"

packages=(
  libopenblas-dev    # cblas_sgemm / cblas_sgemv
  libdnnl-dev        # oneDNN matmul primitive
  libhalide14-0-dev  # Halide 14 JIT + autoscheduler plugins (Adams2019)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "anvil bench-setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo_cmd[@]}" apt-get update -qq &&
         "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "anvil bench-setup: apt could not install ${missing[*]}; those peers will be skipped" >&2
  fi
fi

# Apache TVM (MetaSchedule) in its own venv, so the system Python stays untouched.
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tvm" >/dev/null 2>&1; then
  echo "anvil bench-setup: installing apache-tvm into $venv"
  if ! { python3 -m venv "$venv" &&
         "$venv/bin/python" -m pip install -q --disable-pip-version-check apache-tvm numpy psutil; }; then
    echo "anvil bench-setup: apache-tvm could not be installed; the tvm rows will be skipped" >&2
  fi
fi
exit 0

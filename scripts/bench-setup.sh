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
# Pinned: apache-tvm 0.27.0.post1 only declares apache-tvm-ffi>=0.1.14.post0, so
# pip picks the newest ffi, and with ffi 0.1.15.post1/.post2 every JSON save of
# an IRModule segfaults in tvm::ffi::ToJSONGraph (apparently an ABI break between the
# two wheels); MetaSchedule saves its workload that way before the first trial.
# With 0.1.14.post1 it tunes, builds and runs. MetaSchedule's default
# tuning also needs xgboost (its cost model; the CPU-only wheel, without the
# CUDA NCCL dependency of `xgboost`) and cloudpickle (LocalBuilder/LocalRunner
# worker pools). A venv with other versions is brought to these pins.
tvm_pins=(apache-tvm==0.27.0.post1 apache-tvm-ffi==0.1.14.post1 xgboost-cpu==3.2.0)
tvm_extras=(numpy psutil cloudpickle)
tvm_probe='
import importlib.metadata as md, sys
for pin in sys.argv[1:]:
    name, _, want = pin.partition("==")
    if md.version(name) != want: sys.exit(1)
import tvm, tvm_ffi, xgboost, cloudpickle, psutil, numpy
'
if [ ! -x "$venv/bin/python" ] ||
   ! "$venv/bin/python" -c "$tvm_probe" "${tvm_pins[@]}" >/dev/null 2>&1; then
  echo "anvil bench-setup: installing ${tvm_pins[*]} into $venv"
  if ! { { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } &&
         "$venv/bin/python" -m pip install -q --disable-pip-version-check \
           "${tvm_pins[@]}" "${tvm_extras[@]}"; }; then
    echo "anvil bench-setup: apache-tvm could not be installed; the tvm rows will be skipped" >&2
  fi
fi
exit 0

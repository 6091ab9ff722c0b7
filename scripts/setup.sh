#!/usr/bin/env bash
# Installs what Anvil needs to build and test on Debian 12, idempotently: when
# every package is already there it prints nothing and touches nothing.
set -euo pipefail

packages=(
  build-essential    # g++ 12, the system C compiler the C backend calls, libgomp
  cmake              # ≥ 3.25 (Debian 12 ships 3.25)
  ninja-build
  ccache
  binutils           # objdump, for the codegen tests
  googletest         # GoogleTest + GoogleMock sources and libraries
  libgtest-dev
  libgmock-dev
  nlohmann-json3-dev # trace JSON
  libcli11-dev       # the anvil command line
  libdlpack-dev      # DLPack tensors in the runtime C API (anvil/runtime.h)
  llvm-16-dev        # the LLVM CPU backend: IRBuilder codegen, ORC JIT, object emission
  qemu-user          # runs the AArch64 kernels of the LLVM backend's tests
  gcc-aarch64-linux-gnu   # links AArch64 objects (LLVM backend tests)
  libc6-dev-arm64-cross   # the AArch64 libc those links use
  libsqlite3-dev     # the tuning database (src/autotune/Database.cpp)
  libxgboost-dev     # the XGBoost cost model (src/autotune/XGBoostModel.cpp)
  gnuplot-nox        # the tuning-curve PNG of `anvil tune`
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "anvil setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# Build bloc on a machine that has an OpenCL driver but not Debian 12's
# packages and no package registry (how bloc was run on an NVIDIA H100,
# docs/results.md): the .debs are fetched on a Debian 12 machine, carried
# over and unpacked into a private prefix; nothing is installed system-wide.
#
#   scripts/prefix-build.sh download DIR        (on Debian 12: apt-get download the packages into DIR)
#   scripts/prefix-build.sh build DIR [BUILD]   (on the target: unpack DIR/*.deb into $PREFIX, default
#                                                /opt/bloc-prefix, write $PREFIX/env.sh, configure and
#                                                build into BUILD, default build-prefix)
#   . $PREFIX/env.sh                            (then run build-prefix/bloc, ctest, bench/ scripts)
#
# env.sh points the OpenCL ICD loader at $PREFIX/icd, which holds the
# target's own ICD files (/etc/OpenCL/vendors/*.icd) plus, when the driver
# ships none, nvidia.icd naming libnvidia-opencl.so.1 (found on the
# file system). The target needs gcc, cmake, pkg-config and dpkg.
set -euo pipefail
pkgs=(ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers clinfo
      libclblast1 libclblast-dev libyaml-0-2 libyaml-dev zlib1g-dev
      libcriterion3 libcriterion-dev libboxfort-dev libgit2-1.5 libnanomsg5 libhttp-parser2.9
      libmbedtls14 libmbedx509-1 libmbedcrypto7 libssh2-1 dataset-fashion-mnist)
prefix=${PREFIX:-/opt/bloc-prefix}
usage() { echo "usage: $0 download DIR | build DIR [BUILD_DIR]" >&2; exit 2; }
[ $# -ge 2 ] || usage
dir=$2
case $1 in
  download)
    mkdir -p "$dir"
    (cd "$dir" && apt-get download "${pkgs[@]}")
    ;;
  build)
    build=${3:-build-prefix}
    ls "$dir"/*.deb >/dev/null 2>&1 || { echo "$dir: no .deb files (run '$0 download $dir' on Debian 12)" >&2; exit 1; }
    for f in "$dir"/*.deb; do dpkg -x "$f" "$prefix"; done
    lib=$prefix/usr/lib/x86_64-linux-gnu
    # CLBlast's CMake file and criterion.pc name /usr paths: point them into the prefix
    sed -i "s#/usr/lib/x86_64-linux-gnu/libOpenCL.so#$lib/libOpenCL.so#" "$lib/cmake/CLBlast/CLBlastConfig-none.cmake"
    sed -i '/Requires.private/d' "$lib/pkgconfig/criterion.pc"
    mkdir -p "$prefix/icd"
    cp /etc/OpenCL/vendors/*.icd "$prefix/icd/" 2>/dev/null || true
    if ! grep -qs nvidia "$prefix"/icd/*.icd; then
      nv=$(find / -xdev -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1 || true)
      [ -n "$nv" ] && echo "$nv" > "$prefix/icd/nvidia.icd"
    fi
    cat > "$prefix/env.sh" <<ENV
export LD_LIBRARY_PATH=$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export OCL_ICD_VENDORS=$prefix/icd
export PKG_CONFIG_PATH=$lib/pkgconfig:$prefix/usr/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$prefix
export BLOC_FASHION_MNIST_DIR=$prefix/usr/share/datasets/fashion-mnist
export PATH=$prefix/usr/bin:\$PATH
ENV
    # shellcheck disable=SC1091
    . "$prefix/env.sh"
    echo "ICD files: $(cat "$prefix"/icd/*.icd 2>/dev/null | tr '\n' ' ')"
    clinfo -l
    cmake -S . -B "$build" -DBLOC_WERROR=ON -DCMAKE_PREFIX_PATH="$prefix/usr" \
      -DPKG_CONFIG_EXECUTABLE="$(command -v pkg-config)" \
      -DOpenCL_INCLUDE_DIR="$prefix/usr/include" -DOpenCL_LIBRARY="$lib/libOpenCL.so" >/dev/null
    cmake --build "$build" -j"$(nproc)"
    "$build/bloc" devices
    ;;
  *) usage ;;
esac

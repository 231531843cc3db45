#!/usr/bin/env bash
# Another librdkafka next to the system's, to build and test our programs
# against what other users have: current upstream from Debian unstable
# (`make LIBRDKAFKA=current`), or a Debian release's, such as Debian 13's
# 2.8.0 from trixie (`make LIBRDKAFKA=trixie`) on a Debian 12 machine. Each
# is built once, from that suite's own source package, into a folder of its
# own in a cache outside the checkout (like scripts/kafka.sh's jars); the
# system library stays the default. apt runs with a private source list and
# private state, so the machine's apt sources and lists never see the suite.
#
# LIBRDKAFKA_SUITE picks the suite: unstable (the default) builds into
# librdkafka-current, any other suite into librdkafka-SUITE.
set -euo pipefail

PROG=scripts/librdkafka.sh
CACHE_ROOT=${KAFKA_CHAT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/kafka-chat}
SUITE=${LIBRDKAFKA_SUITE:-unstable}
# A suite is a word (a code name or unstable): it names a folder and goes
# into a source list.
[[ $SUITE =~ ^[a-z][a-z0-9-]*$ ]] || { echo "$PROG: LIBRDKAFKA_SUITE '$SUITE' is not a Debian suite name" >&2; exit 2; }
case $SUITE in
unstable | sid) NAME=current ;;
*) NAME=$SUITE ;;
esac
PREFIX=$CACHE_ROOT/librdkafka-$NAME
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Debian 12 packages the build needs: the compression, TLS, SASL and HTTP
# libraries the system librdkafka also links (configure is told to insist
# on them, so both builds have the same features), python3 for the linker
# script, dpkg-dev for dpkg-source. Not debian/control's libcjson-dev,
# libnanopb-dev, nanopb and opentelemetry-proto (the last is not in
# Debian 12): we build upstream's bundled cJSON and nanopb instead (below).
BUILD_DEPS=(gcc make pkg-config dpkg-dev python3 zlib1g-dev libssl-dev
  libsasl2-dev libzstd-dev liblz4-dev libcurl4-openssl-dev)

usage() {
  cat <<EOF
Usage: $PROG COMMAND

  fetch | build  download librdkafka from Debian $SUITE and build it, once
                 (LIBRDKAFKA_SUITE=trixie: Debian 13's, into its own folder)
  prefix         print the install prefix (building first if needed)
  version        print the built librdkafka version (building first if needed)
  cflags | libs  compiler / linker flags for it (header as a system header,
                 library with an rpath)
  clean          delete the build, so the next fetch takes a newer one
  help

Installed into $PREFIX
(lib/, include/, lib/pkgconfig/rdkafka.pc). The cache root is
\$KAFKA_CHAT_CACHE, else \$XDG_CACHE_HOME/kafka-chat, else ~/.cache/kafka-chat.
LIBRDKAFKA_MIRROR overrides the Debian mirror (default: the machine's own).
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { say "$*"; exit 1; }

TMP=
cleanup() { if [[ -n $TMP ]]; then rm -rf -- "$TMP"; fi; }
trap cleanup EXIT

# The Debian archive the machine's apt already uses (scripts/debian-archive.sh).
mirror() {
  if [[ -n ${LIBRDKAFKA_MIRROR:-} ]]; then echo "$LIBRDKAFKA_MIRROR"; else "$(dirname "$0")/debian-archive.sh"; fi
}

install_deps() {
  local p
  local -a missing=() sudo=()
  for p in "${BUILD_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    sudo -n true 2>/dev/null || die "need the Debian packages ${missing[*]}; install them (as root) and rerun"
    sudo=(sudo -n)
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
}

build() {
  # .complete is written last, so an interrupted build is redone from scratch.
  [[ -f $PREFIX/.complete ]] && return 0
  mkdir -p -- "$CACHE_ROOT"
  # Parallel make jobs may all get here; one builds, the rest wait for it.
  exec 9>"$CACHE_ROOT/.lock-librdkafka-$NAME"
  flock 9
  if [[ ! -f $PREFIX/.complete ]]; then
    # We hold the lock: a build folder left here is a killed build's.
    rm -rf -- "$CACHE_ROOT"/.build-librdkafka-"$NAME".*
    install_deps
    TMP=$(mktemp -d "$CACHE_ROOT/.build-librdkafka-$NAME.XXXXXX")
    local apt=$TMP/apt src=$TMP/src log=$TMP/build.log dsc version
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$TMP/dl"
    echo "deb-src [signed-by=$KEYRING] $(mirror) $SUITE main" >"$apt/sources.list"
    # Only source indexes, in our own lists and cache; no machine sources.
    local -a opts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
      -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Acquire::Languages=none)
    # As root apt downloads as user _apt, which must be able to write here.
    if [[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$TMP/dl" "$apt/lists/partial"; fi
    say "fetching librdkafka's source package from Debian $SUITE ($(mirror))"
    apt-get "${opts[@]}" -qq update >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update of Debian $SUITE failed"; }
    (cd "$TMP/dl" && apt-get "${opts[@]}" -qq source --download-only librdkafka) >>"$log" 2>&1 ||
      { cat "$log" >&2; die "apt-get source librdkafka failed"; }
    dsc=$(echo "$TMP"/dl/librdkafka_*.dsc)
    [[ -f $dsc ]] || die "no librdkafka .dsc in $TMP/dl"
    # apt has checked the files against the signed Sources index; the .dsc's
    # own maintainer signature needs debian-keyring, hence the quiet warning.
    # Debian's patches only swap the bundled cJSON and nanopb for system ones
    # and then need headers generated from opentelemetry-proto, which Debian
    # 12 lacks; without them this is the plain upstream release.
    dpkg-source --skip-patches -x "$dsc" "$src" >>"$log" 2>&1 || { cat "$log" >&2; die "dpkg-source -x failed"; }
    # The version as rd_kafka_version_str() reports it, from 0xMMmmrrpp.
    version=$(sed -n 's/^#define RD_KAFKA_VERSION 0x\([0-9a-fA-F]\{8\}\).*/\1/p' "$src/src/rdkafka.h")
    [[ -n $version ]] || die "no RD_KAFKA_VERSION in $src/src/rdkafka.h"
    version=$((16#${version:0:2})).$((16#${version:2:2})).$((16#${version:4:2}))
    say "building librdkafka $version (C library only) into $PREFIX"
    rm -rf -- "$PREFIX"
    # --enable-X makes a missing library an error instead of a quietly
    # weaker build; --no-download keeps mklove from fetching its modules.
    (cd "$src" && ./configure --prefix="$PREFIX" --no-download \
      --enable-zlib --enable-zstd --enable-ssl --enable-gssapi --enable-curl &&
      make -C src -j"$(nproc)" && make -C src install) >>"$log" 2>&1 ||
      { tail -n 40 "$log" >&2; die "building librdkafka $version failed"; }
    # We link the shared library only; the static ones are 48 MB of 58.
    rm -f -- "$PREFIX"/lib/librdkafka*.a "$PREFIX/lib/pkgconfig/rdkafka-static.pc"
    echo "$version" >"$PREFIX/version"
    sed -n 's/^Version: /librdkafka /p' "$dsc" | sed "s/\$/ (Debian $SUITE source package)/" >"$PREFIX/source"
    : >"$PREFIX/.complete"
    rm -rf -- "$TMP"
    TMP=
    say "librdkafka $version ready in $PREFIX"
  fi
  exec 9>&-
}

main() {
  case ${1:-help} in
    fetch | build) build ;;
    prefix) build; echo "$PREFIX" ;;
    version) build; cat -- "$PREFIX/version" ;;
    # -isystem: rdkafka.h itself trips -Wignored-qualifiers under -Wextra -Werror.
    cflags) build; echo "-isystem $PREFIX/include" ;;
    libs) build; echo "-L$PREFIX/lib -Wl,-rpath,$PREFIX/lib -lrdkafka" ;;
    clean) rm -rf -- "$PREFIX"; say "removed $PREFIX" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"

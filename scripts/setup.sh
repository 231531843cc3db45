#!/usr/bin/env bash
# Installs what a part of kafka-chat needs, once, and only what is missing:
#
#   scripts/setup.sh build    compiler and libraries: make, make install
#   scripts/setup.sh kafka    Java, Maven and the Kafka jars: make broker
#   scripts/setup.sh demo     build + kafka: make demo
#   scripts/setup.sh test     everything the tests and benchmarks use (default)
#   scripts/setup.sh deb      build + Debian's packaging tools: make deb
#
# Debian packages come from apt (as root, or through sudo), the Python test
# venv from PyPI, the Kafka jars from Maven Central. Every step checks
# first, so a second run costs a second and needs no network.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
part=${1:-test}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# ---- what each part needs ------------------------------------------------------
build_packages=(
        make gcc libc6-dev pkg-config  # build
        librdkafka-dev libjansson-dev  # the two libraries we use
        libreadline-dev                # the one-window chat's line editor
        libncurses-dev                 # terminfo: whether TERM has colours
        libsodium-dev                  # encrypted rooms
)
kafka_packages=(
        default-jre-headless maven     # fetching and running Kafka
        ca-certificates                # reaching Maven Central over TLS
)
test_packages=(
        libcmocka-dev                  # unit tests
        kcat                           # test helper and benchmark peer
        clang                          # libFuzzer (its runtime: see below)
        valgrind                       # leak checks
        python3-venv                   # the test venv
        openssl                        # throwaway certificates for TLS tests
        man-db groff-base              # checking the man pages
        docker-compose                 # checking docker-compose.yml without an engine
        debootstrap                    # make check-fresh: a fresh Debian root
        locales                        # a test in another locale (localedef)
)
deb_packages=(
        build-essential                # dpkg-buildpackage insists on it
        dpkg-dev debhelper lintian     # dpkg-buildpackage, dh, lintian
        bash-completion                # dh_bash-completion
        libcmocka-dev python3          # the unit tests, run by the build
)
case $part in
build) packages=("${build_packages[@]}") ;;
deb) packages=("${build_packages[@]}" "${deb_packages[@]}") ;;
kafka) packages=("${kafka_packages[@]}") ;;
demo) packages=("${build_packages[@]}" "${kafka_packages[@]}") ;;
test) packages=("${build_packages[@]}" "${kafka_packages[@]}" "${test_packages[@]}") ;;
*) die "unknown part '$part' (build, kafka, demo, test or deb)" ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# A Java, Maven or Python from outside Debian's packages serves as well.
provided() {
        case $1 in
        maven) command -v mvn >/dev/null ;;
        default-jre-headless) command -v java >/dev/null ;;
        python3-venv) command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null ;;
        *) return 1 ;;
        esac
}

# Runs apt-get as root: directly, through sudo (asking for a password only
# where someone can type it), or not at all, saying what to run instead.
apt_install() {
        local -a sudo=()
        if [ "$(id -u)" -ne 0 ]; then
                if ! command -v sudo >/dev/null; then
                        die "missing Debian packages: $*
  run as root:  apt-get install $*"
                elif sudo -n true 2>/dev/null; then
                        sudo=(sudo -n)
                elif [ -t 0 ] && [ -z "${CI:-}" ]; then
                        say "sudo asks for your password to install: $*"
                        sudo=(sudo)
                else
                        die "missing Debian packages: $*
  install them (sudo needs a password, and there is no terminal to ask):
  sudo apt-get install $*"
                fi
        fi
        say "installing $*"
        # An archive list older than the archive gives 404s; refresh first.
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing_of() {
        local p
        for p in "$@"; do
                installed "$p" || provided "$p" || printf '%s\n' "$p"
        done
}

mapfile -t missing < <(missing_of "${packages[@]}")
if ((${#missing[@]})); then
        apt_install "${missing[@]}"
fi

# ---- libFuzzer's runtime -----------------------------------------------------
# clang -fsanitize=fuzzer needs the compiler-rt of the clang that is
# installed (libclang-rt-14-dev on Debian 12, -19- on 13): named after its
# major version, which only the installed clang knows.
if [ "$part" = test ]; then
        clang_major=$(clang -dumpversion | cut -d. -f1)
        runtime=libclang-rt-$clang_major-dev
        if ! installed "$runtime" &&
                ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' |
                clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
                apt_install "$runtime"
        fi
fi

# ---- Python venv -----------------------------------------------------------
if [ "$part" = test ]; then
        req=tests/requirements.txt
        stamp=.venv/.requirements
        if ! [ -x .venv/bin/python ] || ! cmp -s "$req" "$stamp"; then
                say "creating .venv from $req"
                python3 -m venv .venv
                .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
                cp "$req" "$stamp"
        fi
fi

# ---- Kafka -------------------------------------------------------------------
case $part in kafka | demo | test) scripts/kafka.sh fetch >/dev/null ;; esac

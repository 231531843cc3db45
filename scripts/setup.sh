#!/usr/bin/env bash
# Installs what building, running and testing kafka-chat needs, once:
# Debian packages, a Python venv with the pinned test requirements, and
# the Kafka jars (scripts/kafka.sh fetch). Every step checks first, so a
# second run costs a second and needs no network.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

say() { printf 'setup: %s\n' "$*"; }

# ---- Debian packages -------------------------------------------------------
packages=(
        make gcc pkg-config            # build
        librdkafka-dev libjansson-dev  # the two libraries we use
        libreadline-dev                # chat's line editor
        libcmocka-dev                  # unit tests
        kcat                           # test helper and benchmark peer
        clang libclang-rt-14-dev       # libFuzzer
        valgrind                       # leak checks
        maven default-jre-headless     # fetching and running Kafka
        python3-venv                   # the test venv
        openssl                        # throwaway certificates for TLS tests
        man-db groff-base              # checking the man pages
)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
                missing+=("$p")
done
# The machine may carry its own Java, Maven or Python outside Debian's
# packages; those serve as well.
keep=()
for p in "${missing[@]}"; do
        case "$p" in
        maven) command -v mvn >/dev/null || keep+=("$p") ;;
        default-jre-headless) command -v java >/dev/null || keep+=("$p") ;;
        python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null || keep+=("$p") ;;
        *) keep+=("$p") ;;
        esac
done
missing=("${keep[@]}")
if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get update -qq
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- Python venv -----------------------------------------------------------
req=tests/requirements.txt
stamp=.venv/.requirements
if ! [ -x .venv/bin/python ] || ! cmp -s "$req" "$stamp"; then
        say "creating .venv from $req"
        python3 -m venv .venv
        .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
        cp "$req" "$stamp"
fi

# ---- Kafka -------------------------------------------------------------------
scripts/kafka.sh fetch

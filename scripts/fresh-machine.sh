#!/usr/bin/env bash
# Runs a command in a fresh Debian machine, as a newcomer has it: a minimal
# root of Debian 12 (bookworm, the default) or Debian 13 (FRESH_SUITE=trixie),
# made with debootstrap --variant=minbase plus only git, make and
# ca-certificates, with a `git clone` of this checkout at /src, in a chroot
# with /proc, /sys and /dev mounted. Nothing installed on this machine
# reaches the command: whatever it needs (compiler, librdkafka, Java, Kafka
# jars, the Python venv) it must install itself.
#
#   [FRESH_SUITE=trixie] scripts/fresh-machine.sh [--with FILE]... COMMAND...
#       (default COMMAND: make demo && make test)
#
#   --with FILE   copy FILE into the root's /with/ (a .deb to install, say)
#
# Each suite's root is made once with debootstrap and kept as a tarball in
# the cache (about 40 s the first time); each run unpacks a new copy into
# $FRESH_DIR/root (default /var/tmp/kafka-chat-fresh), left there for a
# look afterwards. The clone is of what is committed. The chroot shares
# this machine's network and ports: the tests' port settings
# (KAFKA_CHAT_*_PORT, BROKER_PORT, DEB_PORT) and PYTEST_ARGS pass through.
# Needs root. Exit status: the command's.
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
cache=${KAFKA_CHAT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/kafka-chat}/fresh-machine
dir=${FRESH_DIR:-/var/tmp/kafka-chat-fresh}
root=$dir/root
suite=${FRESH_SUITE:-bookworm}
case $suite in
bookworm | trixie) ;;
*) echo "fresh-machine: FRESH_SUITE is bookworm (Debian 12) or trixie (Debian 13), not '$suite'" >&2; exit 2 ;;
esac
tarball=$cache/$suite-minbase.tar
# The Debian archive this machine's apt uses (scripts/debian-archive.sh).
mirror=${FRESH_MIRROR:-$("$repo/scripts/debian-archive.sh")}

say() { printf 'fresh-machine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

with=()
while (($#)); do
        case $1 in
        --with) (($# >= 2)) || die "--with needs a file"; with+=("$(realpath -- "$2")"); shift 2 ;;
        --) shift; break ;;
        *) break ;;
        esac
done
command=${*:-make demo && make test}
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts)"

# ---- the root, made once -----------------------------------------------------
if [ ! -f "$tarball" ]; then
        if ! command -v debootstrap >/dev/null; then
                say "installing debootstrap"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
        fi
        say "making a minimal $suite root (once; cached in $tarball)"
        mkdir -p "$cache" "$dir"
        rm -rf "$dir/build"
        debootstrap --variant=minbase --include=git,make,ca-certificates \
                "$suite" "$dir/build" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
                { tail -n 20 "$dir/debootstrap.log" >&2; die "debootstrap failed"; }
        tar -C "$dir/build" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$dir/build"
fi

# Ends what the command left running in the root (a broker, say), then
# unmounts, innermost first.
cleanup() {
        local pid m
        for pid in $(ls /proc | grep -E '^[0-9]+$'); do
                [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -9 "$pid" 2>/dev/null
        done
        for m in dev/shm dev/pts dev sys proc; do
                if mountpoint -q "$root/$m"; then umount -R -l "$root/$m" || true; fi
        done
}
trap cleanup EXIT

cleanup
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
# How this machine reaches the package archives (names, its own certificate
# authorities, pip's index) belongs to the fresh machine too; nothing else.
cp /etc/resolv.conf /etc/hosts "$root/etc/" 2>/dev/null || true
if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$root/etc/pip.conf"; fi
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
        chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
fi
git clone -q "$repo" "$root/src"
if ((${#with[@]})); then
        mkdir -p "$root/with"
        cp -- "${with[@]}" "$root/with/"
fi
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"

say "running in a fresh $suite root: $command"
start=$SECONDS
# A clean environment, but for what points tools at the certificate store,
# and the ports the tests and the demo use (the root shares this machine's
# ports, which others may use) with the tests' own arguments.
env=(HOME=/root TERM="${TERM:-xterm}" LANG=C.UTF-8 CI="${CI:-}"
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
while IFS= read -r var; do env+=("$var"); done < <(env |
        grep -E '^(SSL_CERT_[A-Z]+|PIP_CERT|PIP_INDEX_URL|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|GIT_SSL_CAINFO)=' || true)
while IFS= read -r var; do env+=("$var"); done < <(env |
        grep -E '^(KAFKA_CHAT_[A-Z]+_PORT|BROKER_PORT|DEB_PORT|PYTEST_ARGS)=' || true)
status=0
chroot "$root" /usr/bin/env -i "${env[@]}" /bin/bash -c "cd /src && $command" </dev/null || status=$?
say "exit status $status after $((SECONDS - start)) s"
exit $status

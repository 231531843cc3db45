#!/usr/bin/env bash
# The Debian package, as a user gets it: run by `make check-deb` inside a
# fresh Debian 12 root, or 13 (FRESH_SUITE=trixie; scripts/fresh-machine.sh
# --with the .deb, which lands in /with/). It installs the package with apt-get (which brings librdkafka,
# jansson and readline from Debian), runs each installed program's
# --version and --help, chats through the real broker at BOOTSTRAP with the
# installed programs (kafka-chat in a terminal made by script(1)), then
# removes the package and checks that none of its files is left.
#
#   tests/deb/installed.sh BOOTSTRAP
set -euo pipefail

bootstrap=${1:?usage: installed.sh BOOTSTRAP}
programs=(producer_chat consumer_chat kafka-chat)
topic=deb-check-$$
work=$(mktemp -d)

fail() { printf 'installed.sh: FAIL: %s\n' "$*" >&2; exit 1; }
step() { printf 'installed.sh: %s\n' "$*"; }

debs=(/with/kafka-chat_*.deb)
[ -f "${debs[0]}" ] || fail "no kafka-chat_*.deb in /with"
step "installing ${debs[0]##*/}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${debs[0]}" >"$work/apt.log" 2>&1 ||
        { cat "$work/apt.log" >&2; fail "apt-get install"; }
version=$(dpkg-query -W -f='${Version}' kafka-chat)
mapfile -t files < <(dpkg -L kafka-chat)

for prog in "${programs[@]}"; do
        [ "$(command -v "$prog")" = "/usr/bin/$prog" ] || fail "$prog is not /usr/bin/$prog"
        # Into files, not straight into grep -q: it stops reading at the first
        # match, and a program still writing then dies of SIGPIPE (pipefail).
        "$prog" --version >"$work/version" && grep -q "^$prog $version (librdkafka " "$work/version" ||
                fail "$prog --version"
        "$prog" --help >"$work/help" && grep -q "^Usage: $prog " "$work/help" || fail "$prog --help"
        [ -f "/usr/share/man/man1/$prog.1.gz" ] || fail "no man page for $prog"
        [ -e "/usr/share/bash-completion/completions/$prog" ] || fail "no completion for $prog"
done
step "--version and --help of ${programs[*]}: ok"

printf 'hello from the package\nexit\n' | producer_chat -b "$bootstrap" -t "$topic" ||
        fail "producer_chat"
consumer_chat -b "$bootstrap" -t "$topic" -g deb-check >"$work/consumer" || fail "consumer_chat"
grep -q '\]\[FRIEND\] hello from the package$' "$work/consumer" || fail "consumer_chat did not show the line"
grep -q '\] 수신 프로그램을 종료합니다\.$' "$work/consumer" || fail "consumer_chat did not see exit"

# kafka-chat needs a terminal: script(1) makes one and types for us (no
# colours: they would sit between the name, the line and its mark).
printf 'typed in kafka-chat\n/quit\n' |
        TERM=xterm script -qec "kafka-chat -b $bootstrap -t $topic --name deb --color=never" /dev/null \
                >"$work/screen" || fail "kafka-chat"
grep -q '\[deb\] typed in kafka-chat ✓' "$work/screen" || fail "kafka-chat did not deliver"
consumer_chat -b "$bootstrap" -t "$topic" -g deb-check -e >"$work/consumer" || fail "consumer_chat -e"
grep -q '\]\[deb\] typed in kafka-chat$' "$work/consumer" || fail "kafka-chat's line is not on the topic"
step "a chat through $bootstrap with the installed programs: ok"

apt-get remove --purge -y -qq kafka-chat >"$work/apt.log" 2>&1 ||
        { cat "$work/apt.log" >&2; fail "apt-get remove"; }
for f in "${files[@]}"; do
        # Folders such as /usr/bin stay; anything else of ours must be gone.
        if [ -e "$f" ] && ! [ -d "$f" ] || [ -L "$f" ]; then
                fail "$f is left after removing the package"
        fi
done
[ ! -e /usr/share/doc/kafka-chat ] || fail "/usr/share/doc/kafka-chat is left"
step "removed: none of its ${#files[@]} paths is left"
rm -rf "$work"
step "PASS"

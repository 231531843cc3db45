#!/usr/bin/env bash
# Prints the Debian archive this machine's apt already uses (the first
# `URIs:` of a deb822 .sources file, else the first `deb`/`deb-src` line
# of a one-line list), so that what we fetch from Debian comes from where
# apt fetches it: a proxy or a local mirror keeps working, and no host is
# named here. DEBIAN_ARCHIVE overrides it.
set -euo pipefail

if [[ -n ${DEBIAN_ARCHIVE:-} ]]; then
  echo "$DEBIAN_ARCHIVE"
  exit 0
fi
m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' |
  grep -E '/debian/?$' | head -n 1 || true)
[[ -n $m ]] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
  sed -nE 's%^deb(-src)?[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+/debian/?)[[:space:]].*%\3%p' |
  head -n 1 || true)
if [[ -z $m ]]; then
  echo "scripts/debian-archive.sh: no Debian archive in /etc/apt; set DEBIAN_ARCHIVE" >&2
  exit 1
fi
echo "${m%/}"

#!/usr/bin/env bash
# `make demo`: starts the local broker (scripts/kafka.sh) and runs a short
# conversation through it with the seed's defaults: a consumer_chat in the
# background, a scripted producer_chat in front, ending with "exit".
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
port=${BROKER_PORT:-9092}
bootstrap=localhost:$port

scripts/kafka.sh start --port "$port"

out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== consumer_chat -b $bootstrap (in the background)"
./consumer_chat -b "$bootstrap" >"$out" &
consumer=$!

echo "== producer_chat -b $bootstrap, fed by a script"
{
        echo "안녕하세요! kafka-chat demo here."
        sleep 0.5
        echo "Lines go through a real Kafka broker on $bootstrap."
        sleep 0.5
        echo "exit"
} | ./producer_chat -b "$bootstrap"

# The exit record ends the consumer by itself.
if ! timeout 60 tail --pid="$consumer" -f /dev/null; then
        kill "$consumer" 2>/dev/null || true
        echo "demo: the consumer did not end" >&2
        exit 1
fi
wait "$consumer"

echo "== what consumer_chat printed"
cat "$out"
cat <<EOF2

The broker keeps running (make broker-stop stops it). Chat in two terminals:
  terminal 1:  ./consumer_chat
  terminal 2:  ./producer_chat      (type lines; 'exit' ends both)
EOF2

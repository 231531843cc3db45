#!/usr/bin/env bash
# A single-node Kafka (scripts/kafka.sh) that also asks for credentials:
#   PLAINTEXT      127.0.0.1:P     (no credentials; the inter-broker listener)
#   SASL_PLAINTEXT 127.0.0.1:P+2   PLAIN and SCRAM-SHA-256 users
#   SSL            localhost:P+3   a certificate from a throwaway CA
# for trying and testing the SASL and TLS settings of the chat programs.
#
#   scripts/secure-broker.sh start|stop|clean|status [--port P] [--dir D]
#
# P defaults to 9192, D to <repo>/.kafka/secure-P. The CA and the server's
# certificate (for the name "localhost" only) are made with openssl into
# D/tls on the first start; clients trust D/tls/ca.pem. D/tls/other-ca.pem is
# a second CA that signed nothing, for testing an unknown CA. The users are
# set by these variables (the defaults are for tests, not for real use):
#   SECURE_PLAIN_USER/SECURE_PLAIN_PASSWORD  (alice / alice-secret)
#   SECURE_SCRAM_USER/SECURE_SCRAM_PASSWORD  (bob / bob-secret, SCRAM-SHA-256)
# SECURE_EXTRA_PROPERTIES: more server.properties lines, after these (e.g. an
# authorizer). KAFKA_VERSION picks the Kafka version as for scripts/kafka.sh.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-help}
(($#)) && shift
port=9192
dir=''
while (($#)); do
        case $1 in
        --port) port=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        *) echo "secure-broker.sh: unknown argument '$1'" >&2; exit 2 ;;
        esac
done
dir=${dir:-$repo/.kafka/secure-$port}
tls=$dir/tls

plain_user=${SECURE_PLAIN_USER:-alice}
plain_password=${SECURE_PLAIN_PASSWORD:-alice-secret}
scram_user=${SECURE_SCRAM_USER:-bob}
scram_password=${SECURE_SCRAM_PASSWORD:-bob-secret}

# A CA, a server key and certificate for "localhost" signed by it, and a
# second CA for the unknown-CA case. Kafka reads PEM directly: the key (in
# PKCS#8, unencrypted) and the certificate go into one keystore file.
make_certificates() {
        [[ -f $tls/server.pem ]] && return 0
        mkdir -p -- "$tls"
        (
                cd -- "$tls"
                openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key \
                        -out ca.pem -subj "/CN=kafka-chat throwaway CA" 2>/dev/null
                openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout other-ca.key \
                        -out other-ca.pem -subj "/CN=kafka-chat other CA" 2>/dev/null
                openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
                        -subj "/CN=localhost" 2>/dev/null
                printf 'subjectAltName=DNS:localhost\n' >san.ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                        -days 3650 -extfile san.ext -out server.crt 2>/dev/null
                cat server.key server.crt >server.pem
                chmod 600 -- *.key server.pem
        )
}

case $cmd in
start)
        mkdir -p -- "$dir"
        make_certificates
        export KAFKA_EXTRA_LISTENERS="SASL_PLAINTEXT://127.0.0.1:@PORT+2@,SSL://127.0.0.1:@PORT+3@"
        export KAFKA_EXTRA_ADVERTISED_LISTENERS="SASL_PLAINTEXT://127.0.0.1:@PORT+2@,SSL://localhost:@PORT+3@"
        export KAFKA_EXTRA_FORMAT_ARGS="--add-scram SCRAM-SHA-256=[name=$scram_user,password=$scram_password]"
        export KAFKA_EXTRA_PROPERTIES="sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$plain_user=\"$plain_password\";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$tls/server.pem${SECURE_EXTRA_PROPERTIES:+
$SECURE_EXTRA_PROPERTIES}"
        exec "$repo/scripts/kafka.sh" start --port "$port" --dir "$dir"
        ;;
stop | clean | status)
        exec "$repo/scripts/kafka.sh" "$cmd" --port "$port" --dir "$dir"
        ;;
*)
        sed -n '2,/^set /s/^# \{0,1\}//p' "$0"
        [[ $cmd == help ]]
        ;;
esac

"""docker-compose.yml runs the same broker as scripts/kafka.sh's single node:
the apache/kafka image of kafka.sh's default KAFKA_VERSION, with the same
settings. No Docker engine is needed: Debian's docker-compose parses and
validates the file with `docker-compose config` (Compose v1, 1.29 in Debian
12, a Python program printing YAML; Compose v2, 2.26 in Debian 13, a Go
program that prints JSON when asked), and the settings that
kafka.sh writes come from kafka.sh itself (its write_properties), so a
setting added there and not here fails this test. No broker is started."""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO, KAFKA_SH

COMPOSE = REPO / "docker-compose.yml"
PORT = 9092  # kafka.sh's default port; the compose file publishes the same

# What cmd_start adds to write_properties' keys for a single node.
SINGLE_NODE = {
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
}
# Paths inside the container differ from kafka.sh's state folder.
NOT_COMPARED = {"log.dirs"}
# The image's own variables (JVM options, the cluster id), not broker settings.
IMAGE_VARS = {"KAFKA_HEAP_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_OPTS",
              "KAFKA_LOG4J_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_JMX_OPTS", "CLUSTER_ID"}

# The shell side: kafka.sh's functions without its final `main "$@"`, with
# KAFKA_VERSION unset so that its default applies.
KAFKA_SH_LIB = r'''
set -euo pipefail
unset KAFKA_VERSION
source <(sed '/^main "\$@"$/d' "$1")
shift
"$@"
'''


def kafka_sh(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    p = subprocess.run(["bash", "-c", KAFKA_SH_LIB, "kafka-sh-lib", str(KAFKA_SH), *args],
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"kafka.sh {args}: {p.stderr}"
    return p.stdout


@pytest.fixture(scope="module")
def default_version():
    version = kafka_sh("eval", 'printf "%s\\n" "$KAFKA_VERSION"').strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    return version


@pytest.fixture(scope="module")
def kafka_sh_properties(tmp_path_factory):
    """server.properties as kafka.sh writes it for one node on PORT."""
    sdir = tmp_path_factory.mktemp("props")
    kafka_sh("write_properties", str(sdir), "1", str(PORT), str(PORT + 1),
             f"1@127.0.0.1:{PORT + 1}")
    props = {}
    for line in (sdir / "server.properties").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            props[key] = value
    props.update(SINGLE_NODE)
    return props


def yaml_to_data(text):
    """PyYAML is not in the test venv, but Compose v1 (Python) depends on
    Debian's python3-yaml: use the interpreter that runs it."""
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        pass
    exe = shutil.which("docker-compose")
    with open(exe, "rb") as f:
        first = f.readline().decode(errors="replace")
    python = first[2:].strip().split()[0] if first.startswith("#!") and "python" in first else None
    assert python, f"{exe} is not the Python docker-compose; cannot read its YAML output"
    p = subprocess.run([python, "-c", "import json, sys, yaml; "
                        "json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
                       input=text, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"{python} could not parse YAML (python3-yaml?): {p.stderr}"
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def compose():
    """`docker-compose config` of the file: validated, then as data."""
    # Debian's docker-compose comes with scripts/setup.sh: its absence is a
    # failure, not a skip.
    assert shutil.which("docker-compose"), \
        "docker-compose is missing: apt-get install docker-compose (scripts/setup.sh)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}

    def docker_compose(*args):
        p = subprocess.run(["docker-compose", *args], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, f"docker-compose {' '.join(args)}:\n{p.stderr}"
        return p.stdout

    version = docker_compose("version", "--short").strip()
    m = re.match(r"v?(\d+)\.", version)
    assert m, f"docker-compose version --short: {version!r}"
    if int(m.group(1)) >= 2:
        return json.loads(docker_compose("-f", str(COMPOSE), "config", "--format", "json"))
    return yaml_to_data(docker_compose("-f", str(COMPOSE), "config"))


@pytest.fixture(scope="module")
def service(compose):
    assert list(compose["services"]) == ["kafka"], compose["services"].keys()
    return compose["services"]["kafka"]


@pytest.fixture(scope="module")
def settings(service):
    """The broker settings in the service's environment, as property names
    (the apache/kafka image's rule: _ is '.', __ is '_', ___ is '-')."""
    env = service["environment"]
    assert isinstance(env, dict), env
    out = {}
    for name, value in env.items():
        if name in IMAGE_VARS:
            continue
        assert name.startswith("KAFKA_"), f"unexpected variable {name}"
        key = (name[len("KAFKA_"):].lower()
               .replace("___", "\0").replace("__", "\1").replace("_", ".")
               .replace("\0", "-").replace("\1", "_"))
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def endpoints(value):
    """'NAME://host:port,...' as {NAME: port}: hosts differ in a container."""
    out = {}
    for item in value.split(","):
        m = re.fullmatch(r"([A-Za-z0-9_]+)://([^:]*):(\d+)", item.strip())
        assert m, f"bad listener {item!r}"
        out[m.group(1)] = int(m.group(3))
    return out


def voters(value):
    """'id@host:port,...' as {id: port}."""
    out = {}
    for item in value.split(","):
        m = re.fullmatch(r"(\d+)@([^:]+):(\d+)", item.strip())
        assert m, f"bad voter {item!r}"
        out[int(m.group(1))] = int(m.group(3))
    return out


def protocol_map(value):
    return dict(pair.split(":", 1) for pair in value.split(","))


COMPARE = {
    "listeners": endpoints,
    "advertised.listeners": endpoints,
    "controller.quorum.voters": voters,
    "listener.security.protocol.map": protocol_map,
}


def test_image_is_kafka_sh_default_version(service, default_version):
    image = service["image"]
    m = re.fullmatch(r"apache/kafka:(.+)", image)
    assert m, f"image {image!r} is not apache/kafka:VERSION"
    assert m.group(1) == default_version, \
        f"docker-compose.yml runs {image}, scripts/kafka.sh defaults to {default_version}"


def test_every_kafka_sh_setting_is_in_compose(settings, kafka_sh_properties):
    for key, want in kafka_sh_properties.items():
        if key in NOT_COMPARED:
            continue
        assert key in settings, f"docker-compose.yml lacks {key} (scripts/kafka.sh: {want})"
        norm = COMPARE.get(key, str)
        assert norm(settings[key]) == norm(want), \
            f"{key}: docker-compose.yml has {settings[key]!r}, scripts/kafka.sh {want!r}"


def test_compose_sets_nothing_kafka_sh_does_not(settings, kafka_sh_properties):
    extra = set(settings) - set(kafka_sh_properties)
    assert not extra, f"docker-compose.yml sets what scripts/kafka.sh does not: {sorted(extra)}"


def test_key_settings(settings, default_version):
    """The ones the tests and the programs rely on, spelled out."""
    assert settings["process.roles"] == "broker,controller"
    assert endpoints(settings["listeners"]) == {"PLAINTEXT": PORT, "CONTROLLER": PORT + 1}
    assert endpoints(settings["advertised.listeners"]) == {"PLAINTEXT": PORT}
    assert voters(settings["controller.quorum.voters"]) == {int(settings["node.id"]): PORT + 1}
    for key, want in (("offsets.topic.replication.factor", "1"),
                      ("transaction.state.log.replication.factor", "1"),
                      ("transaction.state.log.min.isr", "1"),
                      ("group.initial.rebalance.delay.ms", "0"),
                      ("broker.heartbeat.interval.ms", "1000"),
                      ("broker.session.timeout.ms", "4000")):
        assert settings.get(key) == want, f"{key}: {settings.get(key)!r}, want {want!r}"
    share = {k: v for k, v in settings.items() if k.startswith("share.coordinator.")}
    if int(default_version.split(".")[0]) >= 4:
        assert share == {"share.coordinator.state.topic.replication.factor": "1",
                         "share.coordinator.state.topic.min.isr": "1"}
    else:
        assert share == {}, "Kafka 3.x has no share coordinator"


def port_text(port):
    """A published port as HOST_IP:PUBLISHED:TARGET[/PROTOCOL]: Compose v1
    prints it so, v2 as a mapping (the long syntax)."""
    if isinstance(port, dict):
        return f"{port.get('host_ip', '')}:{port.get('published')}:{port.get('target')}"
    return str(port)


def mount_target(volume):
    """Where a volume is mounted: SOURCE:TARGET[:MODE] in v1, a mapping in v2."""
    if isinstance(volume, dict):
        return volume.get("target")
    return str(volume).split(":")[1]


def test_port_and_data_volume(service, settings):
    assert any(port_text(p).startswith(f"127.0.0.1:{PORT}:{PORT}") for p in service["ports"]), \
        service["ports"]
    mounts = [mount_target(v) for v in service.get("volumes", [])]
    assert settings["log.dirs"] in mounts, f"log.dirs {settings['log.dirs']} is not a volume"

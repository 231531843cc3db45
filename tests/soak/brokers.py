"""The soak's brokers: three KRaft nodes, or one, run by scripts/kafka.sh on
ports of their own, and the faults done to them. Only brokers whose pids
kafka.sh recorded in the soak's state folder are ever signalled."""
import json
import os
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "scripts" / "kafka.sh"


class Brokers:
    """mode "cluster": nodes 1-3 on port, port+10000, port+20000 (topic
    replicated three times, min.insync.replicas 2); mode "single": one node
    on port."""

    def __init__(self, mode, port, state_dir):
        self.mode = mode
        self.port = port
        self.state = Path(state_dir)
        self.nodes = [1, 2, 3] if mode == "cluster" else [1]
        self.replicas = len(self.nodes)
        self.paused = set()
        self.env = dict(os.environ)
        # A node started while two cores are busy with the others (and
        # whatever else runs) may take more than kafka.sh's 90 s.
        self.env.setdefault("KAFKA_READY_TIMEOUT", "240")
        if mode == "cluster":
            self.env["KAFKA_CLUSTER_PORT"] = str(port)

    @property
    def bootstrap(self):
        return ",".join(f"127.0.0.1:{self.port + (n - 1) * 10000}" for n in self.nodes)

    def _sh(self, *args, timeout=300, check=True):
        if self.mode == "cluster":
            cmd = [str(KAFKA_SH), *args, "--dir", str(self.state)]
        else:  # the single node's commands drop the "node-" and the number
            name = args[0].replace("cluster-", "").replace("node-", "")
            cmd = [str(KAFKA_SH), name, "--port", str(self.port), "--dir", str(self.state)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env)
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip()[-2000:]}")
        return p

    # ---- the whole set ----------------------------------------------------------

    def start(self):
        """From a clean state: a soak starts from nothing."""
        self._sh("cluster-clean")
        self._sh("cluster-start")

    def clean(self):
        for n in list(self.paused):
            self.resume(n)
        self._sh("cluster-clean", check=False)

    # ---- one node -----------------------------------------------------------------

    def _node(self, verb, n, **kw):
        if self.mode == "cluster":
            return self._sh(f"node-{verb}", str(n), **kw)
        return self._sh(verb, **kw)

    def stop_node(self, n):
        self._node("stop", n)

    def start_node(self, n):
        self._node("start", n)

    def kill_node(self, n):
        self._node("kill", n)

    def pause(self, n):
        self._node("pause", n)
        self.paused.add(n)

    def resume(self, n):
        self._node("resume", n)
        self.paused.discard(n)

    def running(self, n):
        return self._node("pid", n, check=False).returncode == 0

    # ---- what the cluster says ------------------------------------------------------

    def partition(self, topic):
        """Partition 0 of topic as the metadata shows it: (leader, isr ids),
        or None if no broker answers."""
        for n in self.nodes:
            if n in self.paused or not self.running(n):
                continue
            try:
                p = subprocess.run(["kcat", "-L", "-J", "-m", "5", "-b",
                                    f"127.0.0.1:{self.port + (n - 1) * 10000}", "-t", topic],
                                   capture_output=True, timeout=20)
            except subprocess.TimeoutExpired:
                continue
            if p.returncode != 0:
                continue
            try:
                md = json.loads(p.stdout)
                part = md["topics"][0]["partitions"][0]
            except (ValueError, KeyError, IndexError):
                continue
            return part.get("leader", -1), sorted(r["id"] for r in part.get("isrs", []))
        return None

    def leader(self, topic):
        part = self.partition(topic)
        return part[0] if part and part[0] in self.nodes else None

    def healthy(self, topic):
        """Every node runs, and the topic's partition has a leader and all
        its replicas in sync."""
        if self.paused or not all(self.running(n) for n in self.nodes):
            return False
        part = self.partition(topic)
        return bool(part) and part[0] in self.nodes and len(part[1]) == self.replicas

    def wait_healthy(self, topic, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.healthy(topic):
                return True
            time.sleep(0.5)
        return False

"""Real etcd members for the cluster tests: Debian's etcd-server, each
member from a private data directory in the test's lab folder (never the
system's), started inside a test namespace on its own loopback ports, and
killed with the lab whatever happens."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from harness import InNamespace  # noqa: E402

ETCD = os.environ.get("ROAM6_ETCD", "/usr/bin/etcd")


class EtcdMembers:
    """`count` members of one etcd cluster on the loopback of `namespace`:
    member i serves clients on 127.0.0.1:(23790 + 10 i)."""

    def __init__(self, lab, namespace, count=1, name="etcd", listen="127.0.0.1"):
        """`listen`: the address clients reach the members on ("0.0.0.0":
        every address of `namespace`, for Home Agents in other namespaces)."""
        self.lab = lab
        self.namespace = namespace
        self.name = name
        self.count = count
        self.procs = [None] * count
        peers = ",".join("m%d=http://127.0.0.1:%d" % (i, self.peer_port(i)) for i in range(count))
        self.commands = []
        for i in range(count):
            self.commands.append([
                "ip", "netns", "exec", namespace, ETCD,
                "--name", "m%d" % i,
                "--data-dir", lab.path("%s-m%d" % (name, i)),
                "--listen-client-urls", "http://%s:%d" % (listen, self.client_port(i)),
                "--advertise-client-urls", self.endpoint(i),
                "--listen-peer-urls", "http://127.0.0.1:%d" % self.peer_port(i),
                "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % self.peer_port(i),
                "--initial-cluster", peers,
                "--initial-cluster-token", name,
                # A test's cluster elects within a second, not ten.
                "--heartbeat-interval", "50", "--election-timeout", "500",
                "--logger", "zap", "--log-level", "warn",
            ])

    @staticmethod
    def client_port(i):
        return 23790 + 10 * i

    @staticmethod
    def peer_port(i):
        return 24800 + 10 * i

    def endpoint(self, i, address="127.0.0.1"):
        return "http://%s:%d" % (address, self.client_port(i))

    def endpoints(self, address="127.0.0.1"):
        return [self.endpoint(i, address) for i in range(self.count)]

    def log_path(self, i):
        return self.lab.path("%s-m%d.log" % (self.name, i))

    def start(self, i=None):
        for m in range(self.count) if i is None else [i]:
            with open(self.log_path(m), "ab") as log:
                self.procs[m] = subprocess.Popen(self.commands[m], stdout=log, stderr=subprocess.STDOUT,
                                                 stdin=subprocess.DEVNULL)
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            for m, proc in enumerate(self.procs):
                if proc is not None and proc.poll() is not None:
                    raise AssertionError("etcd member %d exited with %s:\n%s" % (m, proc.returncode, self.log(m)))
            time.sleep(0.05)
        raise AssertionError("etcd not healthy within %.0f s:\n%s" % (timeout, self.log(0)))

    def healthy(self):
        """Some running member answers /health with a leader."""
        for m, proc in enumerate(self.procs):
            if proc is None or proc.poll() is not None:
                continue
            try:
                with InNamespace(self.namespace):
                    with urllib.request.urlopen(self.endpoint(m) + "/health", timeout=1) as answer:
                        if json.load(answer).get("health") == "true":
                            return True
            except OSError:
                pass
        return False

    def signal(self, i, sig):
        self.procs[i].send_signal(sig)

    def pause(self, i=0):
        """The member stops answering but keeps its connections: a hung etcd."""
        self.signal(i, signal.SIGSTOP)

    def resume(self, i=0):
        self.signal(i, signal.SIGCONT)

    def kill(self, i=None):
        for m in range(self.count) if i is None else [i]:
            proc = self.procs[m]
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait(timeout=10)
            self.procs[m] = None

    def log(self, i):
        try:
            with open(self.log_path(i), errors="replace") as f:
                return f.read()[-3000:]
        except FileNotFoundError:
            return ""

    def toml(self, prefix="/roam6/test", timeout_ms=500, address="127.0.0.1"):
        return 'store = "etcd"\netcd_endpoints = [%s]\netcd_prefix = "%s"\netcd_timeout_ms = %d\n' % (
            ", ".join('"%s"' % e for e in self.endpoints(address)), prefix, timeout_ms)

#!/usr/bin/python3
"""What an operator does to a running mip6d and trips over, on real daemons
in network namespaces (docs/operations.md):

- SIGHUP and `mip6ctl config reload` re-read the file: a replaced key secret
  is used at once (Binding Updates built with scapy and signed here with
  Python's hmac, RFC 4285 5.1), a key that needs a restart is reported and
  keeps its running value, an invalid file is refused with every error and
  the daemon keeps answering;
- SIGTERM in the middle of a stream of Binding Updates: exit 0, nothing left
  open in the store (it reopens clean, without a write-ahead log to replay),
  every acknowledged binding is in it (RFC 6275 10.3.1: a BA is an answer
  about a binding the Home Agent holds);
- with [datapath] on net_null devices: SIGTERM exits 0 and the EAL is
  released (rte_eal_cleanup);
- start-up mistakes: one line naming file:line:column and key, exit 1,
  nothing of a running daemon harmed;
- the Prometheus listener: scraped over HTTP, values move with traffic,
  every metric is documented in docs/operations.md, an address in use is a
  start-up error.
"""

import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import IPPROTO_MH, Key, Lab, InNamespace, addr, binding_update, frame  # noqa: E402
import test_home_agent_crash as crash  # noqa: E402

HA = "2001:db8:a::1"
HA_MAC = "02:00:00:00:0a:99"
ROUTER_MAC = "02:00:00:00:0a:01"
COA = "2001:db8:b::2"
# The configuration names no algorithm: RFC 4285's HMAC-SHA1-96, the default.
OLD = Key("site-b-hosts", 1001, "hmac-sha1-96", "00112233445566778899aabbccddeeff")
NEW = Key("site-b-hosts", 1001, "hmac-sha1-96", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "operations.md")


def ha_config(lab, name, log_level="info", control_socket=None, database=None, uplink="ha0",
              key_section=None, extra=""):
    """A Home Agent whose site-b key comes from the file secret.hex (next to
    the configuration). Line 3 is control_socket, line 4 log_level."""
    return """role = "home-agent"
node_name = "%s"
control_socket = "%s"
log_level = "%s"
[interfaces]
uplink = "%s"
[home_agent]
address = "%s"
home_prefixes = ["2001:db8:a::/64"]
database = "%s"
replay_window = 60
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "%s"
router_link_local = "fe80::1"
router_mac = "%s"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
%s[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
%s""" % (name, control_socket or lab.path(name + ".sock"), log_level, uplink, HA,
         database or lab.path(name + ".sqlite"), HA, ROUTER_MAC,
         key_section if key_section is not None else
         '[[keys]]\nname = "site-b-hosts"\nspi = 1001\nsecret_file = "secret.hex"\n', extra)


def write_secret(lab, key, mode=0o600):
    path = lab.path("secret.hex")
    with open(path, "w") as f:
        f.write(key.secret_hex + "\n")
    os.chmod(path, mode)


def wait_for_log(daemon, text, timeout=5.0, after=0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in daemon.log()[after:]:
            return
        time.sleep(0.02)
    raise AssertionError("%r not logged:\n%s" % (text, daemon.log()[-3000:]))


def binding_ack(f):
    """(hoa, status, seq, mh) of a BA frame to the care-of address, else None.
    Ethernet | IPv6 | type 2 routing header | MH (RFC 6275 6.1.8, 6.4)."""
    p = harness.parse_ipv6_frame(f)
    if p is None or p["upper"] != IPPROTO_MH or len(p["payload"]) < 12 or p["payload"][2] != 6:
        return None
    rh = [h for t, h in p["headers"] if t == 43]
    if len(rh) != 1 or rh[0][2] != 2:
        return None
    mh = p["payload"]
    return addr(rh[0][8:24]), mh[6], int.from_bytes(mh[8:10], "big"), mh, p


def signed_with(ba, key):
    """Does the BA's MN-HA authenticator (RFC 4285 5.1) verify under `key`?"""
    hoa, _, _, mh, p = ba
    options = {t: o for o, t, _ in harness.walk_options(mh)}
    if 9 not in options:
        return False
    at = options[9]
    covered = bytearray(mh[:at + 7])
    covered[4:6] = b"\x00\x00"  # the checksum is not covered
    return bytes(mh[at + 7:at + 7 + key.size]) == key.authenticator(p["dst"], hoa, covered)


class Operations(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.lab = Lab()
        self.addCleanup(self.lab.close)
        self.addCleanup(lambda: harness.test_failed(self) and harness.print_logs(self.lab.daemons, 4000))
        self.ns = self.lab.namespace("ha")
        self.ns_router = self.lab.namespace("rt")
        self.lab.veth(self.ns, "ha0", self.ns_router, "rt0", mac_a=HA_MAC, mac_b=ROUTER_MAC)
        self.lab.disable_ipv6(self.ns, "ha0")
        self.lab.disable_ipv6(self.ns_router, "rt0")
        self.port = self.lab.port(self.ns_router, "rt0")

    # ---- helpers ----------------------------------------------------------

    def register(self, hoa, seq, key, timeout=2.0):
        """Sends a BU signed with `key`; the BA that answers it."""
        self.port.send(frame(HA_MAC, ROUTER_MAC, binding_update(COA, HA, hoa, seq, 150, key)))
        f = self.port.receive(lambda f: (binding_ack(f) or (None,))[0] == hoa, timeout)
        self.assertIsNotNone(f, "no BA for %s" % hoa)
        return binding_ack(f)

    def start_fails(self, config_text, name):
        """Runs mip6d on a configuration that must not start: its output."""
        path = self.lab.path(name + ".toml")
        with open(path, "w") as f:
            f.write(config_text)
        proc = subprocess.run(["ip", "netns", "exec", self.ns, harness.MIP6D, "--config", path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        out = proc.stdout.decode(errors="replace")
        self.assertEqual(proc.returncode, 1, out)
        self.assertTrue(out.startswith("mip6d: "), out)
        return path, out

    # ---- SIGHUP / config reload ------------------------------------------

    def test_sighup_applies_a_new_secret_and_refuses_an_invalid_file(self):
        write_secret(self.lab, OLD)
        ha = self.lab.daemon(self.ns, ha_config(self.lab, "ha"), "ha")
        ha.start()
        ba = self.register("2001:db8:a::100", 1, OLD)
        self.assertEqual(ba[1], 0)
        self.assertTrue(signed_with(ba, OLD))

        # A new secret in the key file, a new log level, and a control
        # socket, which cannot move while the daemon runs.
        write_secret(self.lab, NEW)
        with open(ha.config_path) as f:
            text = f.read()
        moved_socket = self.lab.path("moved.sock")
        text = text.replace('log_level = "info"', 'log_level = "debug"')
        text = text.replace(ha.socket_path, moved_socket)
        with open(ha.config_path, "w") as f:
            f.write(text)
        mark = len(ha.log())
        ha.proc.send_signal(signal.SIGHUP)
        wait_for_log(ha, "config_reloaded", after=mark)
        log = ha.log()[mark:]
        self.assertIn("config_reload trigger=SIGHUP", log)
        self.assertIn("config_applied key=keys[0].secret_file from=<redacted> to=<redacted>", log)
        self.assertIn("config_applied key=log_level from=info to=debug", log)
        self.assertIn('config_needs_restart key=control_socket at="%s:3:18: control_socket" running=%s file=%s'
                      % (ha.config_path, ha.socket_path, moved_socket), log)
        self.assertIn("config_reloaded file=%s applied=2 needs_restart=1" % ha.config_path, log)
        self.assertNotIn(NEW.secret_hex, log)
        # The socket did not move.
        self.assertEqual(ha.ctl("version")["node_name"], "ha")
        self.assertFalse(os.path.exists(moved_socket))

        # The old secret no longer authenticates: RFC 4285 6, status 146
        # (MIPV6-AUTH-FAIL), signed with the Home Agent's key, now the new one.
        ba = self.register("2001:db8:a::101", 1, OLD)
        self.assertEqual(ba[1], 146)
        self.assertTrue(signed_with(ba, NEW))
        ba = self.register("2001:db8:a::101", 2, NEW)
        self.assertEqual(ba[1], 0)
        self.assertTrue(signed_with(ba, NEW))
        bindings = {b["home_address"]: b for b in ha.ctl("binding", "list")["bindings"]}
        self.assertEqual(sorted(bindings), ["2001:db8:a::100", "2001:db8:a::101"])

        # An invalid file: every error logged with file:line:column and key,
        # nothing changed, the daemon answers.
        broken = text.replace('spi = 1001', 'spi = 12').replace('uplink = "ha0"', 'uplnk = "ha0"')
        with open(ha.config_path, "w") as f:
            f.write(broken)
        mark = len(ha.log())
        ha.proc.send_signal(signal.SIGHUP)
        wait_for_log(ha, "config_reload_rejected", after=mark)
        log = ha.log()[mark:]
        self.assertIn('config_error error="%s:6:1: interfaces.uplnk: unknown key' % ha.config_path, log)
        self.assertIn('config_error error="%s:5:1: interfaces.uplink: missing required key' % ha.config_path, log)
        self.assertIn('config_error error="%s:25:7: keys[0].spi: must be between 256 and 4294967295, not 12"'
                      % ha.config_path, log)
        self.assertIn("config_reload_rejected file=%s errors=3 action=kept_running_configuration"
                      % ha.config_path, log)
        self.assertEqual(ha.ctl("version")["node_name"], "ha")
        self.assertEqual(self.register("2001:db8:a::102", 1, NEW)[1], 0)

        # mip6ctl config reload: refused the same way, exit 1.
        status, error = ha.ctl_refused("config", "reload")
        self.assertEqual(status, 1)
        self.assertEqual(error["code"], "invalid_config")
        self.assertIn("\n%s:25:7: keys[0].spi: must be between" % ha.config_path, error["message"])
        # A secret file others may read is refused at a reload too.
        with open(ha.config_path, "w") as f:
            f.write(text)
        os.chmod(self.lab.path("secret.hex"), 0o644)
        status, error = ha.ctl_refused("config", "reload")
        self.assertEqual(status, 1)
        self.assertIn("%s:26:15: keys[0].secret_file: secret file '%s' has mode 0644: readable by group, "
                      "readable by others; a secret must be accessible by its owner only: chmod 600 '%s'"
                      % (ha.config_path, self.lab.path("secret.hex"), self.lab.path("secret.hex")),
                      error["message"])
        os.chmod(self.lab.path("secret.hex"), 0o600)
        result = ha.ctl("config", "reload")
        self.assertEqual(result["applied"], [])
        self.assertEqual([c["key"] for c in result["needs_restart"]], ["control_socket"])
        status, out = ha.ctl_raw("config", "reload")
        self.assertEqual(status, 0, out)
        self.assertRegex(out, r"needs restart\s+control_socket\s+%s\s+%s" % (re.escape(ha.socket_path),
                                                                               re.escape(moved_socket)))
        self.assertEqual(ha.stop(), 0, ha.log()[-2000:])

    # ---- SIGTERM --------------------------------------------------------------

    def test_sigterm_during_a_stream_of_binding_updates_leaves_the_store_consistent(self):
        seed = int(os.environ.get("ROAM6_SIGTERM_SEED", str(int(time.time()))))
        print("seed", seed, file=sys.stderr)
        rng = random.Random(seed)
        # At info: the stop's steps are logged there.
        ha = self.lab.daemon(self.ns, crash.config(self.lab).replace('log_level = "warning"', 'log_level = "info"'),
                             "ha")
        with InNamespace(self.ns_router):
            # Protocol 0: this socket only sends, nothing queues up on it.
            tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            tx.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
            tx.bind(("rt0", 0))
        self.addCleanup(tx.close)
        database = self.lab.path("bindings.sqlite")
        for round_number in range(3):
            mark = len(ha.log())
            ha.start()
            builder = crash.FastBindingUpdates(COA)
            hoas = ["2001:db8:a::%x:%x" % (round_number + 1, i + 1) for i in range(2000)]
            frames = [builder.build(hoa, 1, harness.ntp_timestamp()) for hoa in hoas]
            stop_at = rng.randrange(200, 1800)
            collector = crash.BaCollector(self.port)
            collector.start()
            try:
                for i, f in enumerate(frames):
                    deadline = time.monotonic() + 5
                    while i <= stop_at and i - collector.count >= crash.WINDOW:
                        self.assertLess(time.monotonic(), deadline, "the Home Agent stopped answering")
                        time.sleep(0.0005)
                    tx.send(f)
                    if i == stop_at:
                        ha.proc.send_signal(signal.SIGTERM)
                    if i > stop_at + 100:
                        break  # BUs keep arriving while it stops
                ha.proc.wait(timeout=10)
                time.sleep(0.3)
            finally:
                collector.stop()
            self.assertEqual(ha.proc.returncode, 0, ha.log()[-3000:])
            log = ha.log()[mark:]
            self.assertIn("stopping reason=SIGTERM", log)
            self.assertIn("store_batch_finished", log)
            self.assertIn("store_closed database=%s" % database, log)
            self.assertIn("stopped exit_status=0", log)
            self.assertEqual(collector.forged, 0)
            self.assertEqual(collector.refused, [])
            self.assertGreater(len(collector.accepted), 0)
            # Closed clean: SQLite checkpointed and removed its write-ahead
            # log, so there is no batch to roll forward or back.
            self.assertFalse(os.path.exists(database + "-wal"), "the store was not closed")
            db = sqlite3.connect(database)
            try:
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            finally:
                db.close()  # the daemon takes the file exclusively

            ha.start()
            listed = {b["home_address"]: b for b in ha.ctl("binding", "list")["bindings"]}
            self.assertEqual(ha.stats()["bindings.restored"], len(listed))
            missing = [hoa for (hoa, seq) in collector.accepted if hoa not in listed]
            self.assertEqual(missing, [], "acknowledged, not stored (seed %d)" % seed)
            # And the other way round: what this round committed, it
            # acknowledged (the batch open at the stop was committed and its
            # BAs sent, not dropped).
            stored = {hoa for hoa in listed if hoa.startswith("2001:db8:a::%x:" % (round_number + 1))}
            self.assertEqual(stored, {hoa for (hoa, seq) in collector.accepted},
                             "stored without a BA, or acknowledged and lost (seed %d)" % seed)
            print("round %d: SIGTERM after BU %d, %d BAs, %d bindings stored"
                  % (round_number, stop_at + 1, len(collector.accepted), len(listed)), file=sys.stderr)
            self.assertEqual(ha.stop(), 0)

    def test_datapath_on_net_null_stops_cleanly_and_releases_the_eal(self):
        prefix = harness.dpdk_file_prefix("eal")
        datapath = """[datapath]
eal_args = ["--no-huge", "-m", "256", "--no-pci", "--no-telemetry", "-l", "0-1",
            "--file-prefix=%s", "--log-level=*:error"]
uplink = "%s"
poll = "adaptive"
mbufs = 2047
max_bindings = 1024
"""
        config = ha_config(self.lab, "dp", key_section=OLD.toml()).replace(
            '[interfaces]\nuplink = "ha0"\n', datapath % (prefix, "net_null0"))
        ha = self.lab.daemon(self.ns, config, "dp")
        ha.start()
        self.assertIn("datapath_started", ha.log())
        stats = ha.stats()
        self.assertEqual(stats["datapath.ports.uplink.device"], "net_null0")
        self.assertEqual(ha.stop(), 0, ha.log()[-3000:])
        log = ha.log()
        for line in ("stopping reason=SIGTERM", "datapath_stopped", "eal_cleaned_up", "stopped exit_status=0"):
            self.assertIn(line, log)
        self.assertLess(log.index("datapath_stopped"), log.index("eal_cleaned_up"))

        # A device that does not exist: the key, where it is, exit 1.
        missing = ha_config(self.lab, "dp2", key_section=OLD.toml()).replace(
            '[interfaces]\nuplink = "ha0"\n', datapath % (harness.dpdk_file_prefix("eal2"), "0000:99:00.0"))
        path, out = self.start_fails(missing, "dp2")
        self.assertIn("%s:8:10: datapath.uplink: cannot open the DPDK datapath (uplink 0000:99:00.0): "
                      "datapath port '0000:99:00.0': no such DPDK port" % path, out)

    # ---- start-up mistakes --------------------------------------------------

    def test_start_up_mistakes_name_file_line_and_key(self):
        write_secret(self.lab, OLD)
        base = ha_config(self.lab, "bad")
        cases = [
            ("typo", base.replace('uplink = "ha0"', 'uplnk = "ha0"'),
             "bad.toml:6:1: interfaces.uplnk: unknown key 'uplnk' (expected one of: uplink, guests)"),
            ("type", base.replace("replay_window = 60", 'replay_window = "60"'),
             "bad.toml:11:17: home_agent.replay_window: expected an integer, found a string"),
            ("address", base.replace('address = "2001:db8:a::1"', 'address = "2001:db8:a::g"'),
             "bad.toml:8:11: home_agent.address: not an IPv6 address: '2001:db8:a::g'"),
            ("keyfile", base.replace('secret_file = "secret.hex"', 'secret_file = "nope.hex"'),
             "bad.toml:26:15: keys[0].secret_file: cannot read secret file '%s': No such file or directory"
             % self.lab.path("nope.hex")),
        ]
        for name, text, expected in cases:
            with self.subTest(name):
                path, out = self.start_fails(text.replace("bad.sock", name + ".sock"), "bad")
                self.assertIn(expected.replace("bad.toml", path), out)
                self.assertIn("is not a valid configuration", out)
        os.chmod(self.lab.path("secret.hex"), 0o640)
        path, out = self.start_fails(base, "bad")
        self.assertIn("%s:26:15: keys[0].secret_file: secret file '%s' has mode 0640: readable by group; "
                      "a secret must be accessible by its owner only: chmod 600 '%s'"
                      % (path, self.lab.path("secret.hex"), self.lab.path("secret.hex")), out)
        os.chmod(self.lab.path("secret.hex"), 0o600)

        # A running Home Agent with one binding...
        ha = self.lab.daemon(self.ns, ha_config(self.lab, "ha"), "ha")
        ha.start()
        self.assertEqual(self.register("2001:db8:a::100", 1, OLD)[1], 0)
        # ...a second daemon on its control socket...
        path, out = self.start_fails(ha_config(self.lab, "two", control_socket=ha.socket_path), "two")
        self.assertEqual(out.count("\n"), 1, out)
        self.assertIn("%s:3:18: control_socket: cannot open the control socket: another process is listening "
                      "on control socket %s (is mip6d already running?)" % (path, ha.socket_path), out)
        # ...on its store...
        path, out = self.start_fails(ha_config(self.lab, "three", database=self.lab.path("ha.sqlite")), "three")
        self.assertEqual(out.count("\n"), 1, out)
        self.assertIn("%s:10:12: home_agent.database: cannot open the binding store %s (locked)"
                      % (path, self.lab.path("ha.sqlite")), out)
        # ...on an interface that is not there.
        path, out = self.start_fails(ha_config(self.lab, "four", uplink="nosuch0"), "four")
        self.assertEqual(out.count("\n"), 1, out)
        self.assertIn("%s:6:10: interfaces.uplink: cannot open the packet sockets" % path, out)
        # Nothing of the running one was harmed.
        self.assertEqual([b["home_address"] for b in ha.ctl("binding", "list")["bindings"]], ["2001:db8:a::100"])
        self.assertEqual(ha.stop(), 0)

        # A stale socket file (its daemon died) is replaced; a path that is
        # not a socket is refused.
        stale = self.lab.path("stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()
        ha2 = self.lab.daemon(self.ns, ha_config(self.lab, "ha2", control_socket=stale), "ha2")
        ha2.socket_path = stale
        ha2.start()
        self.assertEqual(ha2.stop(), 0)
        not_socket = self.lab.path("plain-file")
        open(not_socket, "w").close()
        path, out = self.start_fails(ha_config(self.lab, "five", control_socket=not_socket), "five")
        self.assertIn("%s:3:18: control_socket: cannot open the control socket: control socket path %s exists "
                      "and is not a socket; refusing to replace it" % (path, not_socket), out)

    # ---- metrics ---------------------------------------------------------------

    def scrape(self, url):
        with InNamespace(self.ns):
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.headers.get("Content-Type"), response.read().decode()

    @staticmethod
    def samples(text):
        """{'name{labels}': value} of a Prometheus text exposition."""
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
        return out

    def test_metrics_are_scraped_over_http_and_move_with_traffic(self):
        write_secret(self.lab, OLD)
        # Debian 12's civetweb has no IPv6: an IPv6 listener is refused at
        # start, saying so (where it has, it must simply work).
        harness.run(["ip", "netns", "exec", self.ns, "sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=0"])
        v6 = self.lab.daemon(self.ns, ha_config(self.lab, "v6", extra='[metrics]\nlisten = "[::1]:9464"\n'), "v6")
        v6.start(wait=False)
        try:
            v6.wait_ready()
            self.assertEqual(self.samples(self.scrape("http://[::1]:9464/metrics")[1])["roam6_up"], 1)
            self.assertEqual(v6.stop(), 0)
        except AssertionError:
            v6.proc.wait(timeout=10)
            self.assertEqual(v6.proc.returncode, 1, v6.log())
            self.assertIn("%s:32:10: metrics.listen: cannot listen for Prometheus scrapes on [::1]:9464: the HTTP "
                          "server under prometheus-cpp (civetweb " % v6.config_path, v6.log())
            self.assertIn(") was built without IPv6; listen on an IPv4 address, e.g. 127.0.0.1:9464", v6.log())

        ha = self.lab.daemon(self.ns, ha_config(self.lab, "ha", extra='[metrics]\nlisten = "127.0.0.1:9464"\n'), "ha")
        ha.start()
        url = "http://127.0.0.1:9464/metrics"
        content_type, text = self.scrape(url)
        self.assertTrue(content_type.startswith("text/plain"), content_type)
        before = self.samples(text)
        self.assertEqual(before["roam6_up"], 1)
        self.assertIn('roam6_info{node="ha",role="home-agent",version=', text)
        self.assertEqual(before["roam6_bu_accepted_total"], 0)
        self.assertEqual(before["roam6_bindings_current"], 0)
        self.assertIn("# TYPE roam6_bu_accepted_total counter", text)
        self.assertIn("# TYPE roam6_bindings_current gauge", text)

        self.assertEqual(self.register("2001:db8:a::100", 1, OLD)[1], 0)
        # A forged BU: RFC 4285 6, refused with 146.
        self.port.send(frame(HA_MAC, ROUTER_MAC, binding_update(COA, HA, "2001:db8:a::101", 1, 150, OLD,
                                                                corrupt=True)))
        self.assertIsNotNone(self.port.receive(lambda f: (binding_ack(f) or (None,))[0] == "2001:db8:a::101", 2))
        after = self.samples(self.scrape(url)[1])
        self.assertEqual(after["roam6_bu_received_total"], 2)
        self.assertEqual(after["roam6_bu_accepted_total"], 1)
        self.assertEqual(after["roam6_bindings_current"], 1)
        self.assertEqual(after["roam6_bindings_created_total"], 1)
        self.assertEqual(after["roam6_ba_sent_total"], 2)
        self.assertEqual(after['roam6_bu_dropped_total{reason="bad_authenticator"}'], 1)
        self.assertEqual(after['roam6_bu_refused_by_status_total{status="146"}'], 1)
        self.assertGreaterEqual(after['roam6_ports_rx_frames_total{port="uplink"}'],
                                before['roam6_ports_rx_frames_total{port="uplink"}'] + 2)
        # The same numbers as mip6ctl stats.
        stats = ha.stats()
        self.assertEqual(stats["bu.accepted"], after["roam6_bu_accepted_total"])
        self.assertEqual(stats["bu.dropped.bad_authenticator"], 1)

        # Every metric it exports is documented, metric by metric.
        with open(DOCS) as f:
            documented = set(re.findall(r"^\| `(roam6_[a-z0-9_]+)`", f.read(), re.M))
        exported = set(re.findall(r"^# TYPE (roam6_[a-z0-9_]+) ", self.scrape(url)[1], re.M))
        self.assertEqual(exported - documented, set(), "exported but not in docs/operations.md")

        # A second daemon on the same listener: one line, exit 1.
        path, out = self.start_fails(ha_config(self.lab, "two", extra='[metrics]\nlisten = "127.0.0.1:9464"\n'),
                                     "two")
        self.assertEqual(out.count("\n"), 1, out)
        self.assertIn("%s:32:10: metrics.listen: cannot listen for Prometheus scrapes on 127.0.0.1:9464: "
                      "Address already in use" % path, out)
        self.assertEqual(self.samples(self.scrape(url)[1])["roam6_up"], 1)
        self.assertEqual(ha.stop(), 0, ha.log()[-2000:])


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""roam6-libvirt-hook as libvirt runs it: `qemu DOMAIN OPERATION SUB-OP EXTRA`
with the domain XML on stdin, against a real mip6d (host role) in a network
namespace whose uplink the test plays the site router and Home Agent on.

- A migration destination: `migrate begin`, `prepare begin`, `start begin`,
  `started begin` (libvirt 9.0's order, ../shared/ENVIRONMENT.md): the guest
  is attached (expected, not registered: no BU before it runs here), the
  domain XML is kept for roam6-vswitchd, standard output stays empty (the
  `migrate begin` filter keeps the XML unchanged).
- The guest runs here, registers; `stopped end` deregisters it (lifetime 0),
  `release end` forgets the XML.
- An incoming migration that fails before the guest ran here: `stopped end`
  sends nothing (a deregistration would remove the binding of the host the
  guest still runs on).
- Malformed XML, a domain without roam6's element, mip6d not running, mip6d
  not answering: exit 0, nothing on stdout, the problem logged, within the
  hook's budget.
- install / uninstall in a private hooks directory, and the installed
  wrapper run as libvirt runs it.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import harness  # noqa: E402
import test_host_signalling as hs  # noqa: E402  (the host's BU/BA helpers)
from harness import Lab  # noqa: E402
from scapy.all import raw  # noqa: E402

HOOK = os.environ.get("ROAM6_LIBVIRT_HOOK", "")

UUID = "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11"
GUEST_MAC = "52:54:00:00:02:01"
GUEST_HOA = "2001:db8:a::201"


def domain_xml(name="web1", uuid=UUID, mac=GUEST_MAC, hoa=GUEST_HOA, target=None, metadata=True):
    """A domain as libvirt 9.0 hands it to the qemu hook."""
    ours = """
    <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="%s" home-address="%s" home-site="site-a"/>
    </roam6:guest>""" % (mac, hoa) if metadata else ""
    return """<domain type='qemu'>
  <name>%s</name>
  <uuid>%s</uuid>
  <metadata>%s
    <other:note xmlns:other="https://example.org/other">kept</other:note>
  </metadata>
  <memory unit='KiB'>262144</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='bridge'>
      <mac address='%s'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='0b0c7d57-3c48-4a57-9b0e-5ad4d0b1f6a3'/>
      </virtualport>%s
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
""" % (name, uuid, ours, mac, "\n      <target dev='%s'/>" % target if target else "")


class HookRun:
    def __init__(self, proc, seconds):
        self.status = proc.returncode
        self.stdout = proc.stdout.decode(errors="replace")
        self.stderr = proc.stderr.decode(errors="replace")
        self.seconds = seconds


class LibvirtHook(unittest.TestCase):
    maxDiff = None

    # The host's BU helpers read self.site, self.host (test_host_signalling).
    next_bu = hs.HostSignalling.next_bu
    no_bu = hs.HostSignalling.no_bu
    state = hs.HostSignalling.state
    wait_state = hs.HostSignalling.wait_state

    @classmethod
    def setUpClass(cls):
        harness.skip_unless_root()
        if not HOOK:
            print("skipped: ROAM6_LIBVIRT_HOOK not set")
            sys.exit(harness.SKIP_RETURN_CODE)
        cls.lab = Lab()
        try:
            ns_host = cls.lab.namespace("host")
            ns_site = cls.lab.namespace("site")
            ns_guest = cls.lab.namespace("gst")
            cls.lab.veth(ns_host, "up0", ns_site, "rt0", mac_a=hs.HOST_UPLINK_MAC, mac_b=hs.SITE_ROUTER_MAC)
            cls.lab.veth(ns_host, "guests0", ns_guest, "gst0", mac_a=hs.HOST_GUESTS_MAC)
            cls.host = cls.lab.daemon(ns_host, hs.config(cls.lab), "host").start()
            cls.site = cls.lab.port(ns_site, "rt0")
            cls.guest_port = cls.lab.port(ns_guest, "gst0")
        except BaseException:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def setUp(self):
        self.domains = tempfile.mkdtemp(prefix=harness.RUN + "-domains-", dir=self.lab.dir)

    def tearDown(self):
        if harness.test_failed(self):
            print("\n---- mip6d log (tail) ----\n" + self.host.log()[-4000:], file=sys.stderr)
        self.assertIsNone(self.host.proc.poll(), "mip6d died:\n" + self.host.log())

    def hook(self, domain, operation, sub_operation, xml, socket_path=None, extra="-"):
        """One call exactly as libvirt makes it."""
        started = time.monotonic()
        proc = subprocess.run(
            [HOOK, "--mip6d-socket", socket_path or self.host.socket_path, "--domains", self.domains,
             "--", domain, operation, sub_operation, extra],
            input=xml.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        run = HookRun(proc, time.monotonic() - started)
        self.assertEqual(run.status, 0, run.stderr)
        self.assertEqual(run.stdout, "", "a hook must print nothing (migrate begin would take it as the XML)")
        return run

    def guest(self, name):
        for g in self.host.ctl("guest", "list")["guests"]:
            if g["name"] == name:
                return g
        return None

    def domain_file(self, uuid=UUID):
        return os.path.join(self.domains, uuid + ".xml")

    # ------------------------------------------------------------------

    def test_migration_destination_attaches_then_stopped_deregisters(self):
        xml = domain_xml()
        for operation in ("migrate", "prepare", "start"):
            run = self.hook("web1", operation, "begin", xml)
            self.assertIn("mip6d_told", run.stderr)
        self.hook("web1", "started", "begin", domain_xml(target="vnet7"))
        g = self.guest("web1")
        self.assertIsNotNone(g, "the hooks attached web1")
        self.assertEqual((g["mac"], g["home_address"], g["home_site"]), (GUEST_MAC, GUEST_HOA, "site-a"))
        self.assertEqual(g["port"], "vnet7")
        self.assertFalse(g["resumed"])
        self.assertEqual(g["state"], "idle")
        # Expected, not registered: the guest's CPUs are still paused.
        self.no_bu(GUEST_HOA, 0.3)
        with open(self.domain_file()) as f:
            self.assertIn("vnet7", f.read(), "the XML of the last call is kept")

        # It runs here (QEMU's RARP): registered.
        self.guest_port.send(hs.rarp(GUEST_MAC))
        bu = self.next_bu(GUEST_HOA)
        self.send(hs.binding_ack(GUEST_HOA, 0, bu.seq, bu.units, bu.timestamp))
        self.wait_state("web1", "bound")

        # Shut down here: deregistered (lifetime 0), then forgotten.
        run = self.hook("web1", "stopped", "end", domain_xml(target="vnet7"))
        dereg = self.next_bu(GUEST_HOA)
        self.assertEqual(dereg.units, 0)
        self.assertEqual(dereg.seq, (bu.seq + 1) % 65536)
        self.send(hs.binding_ack(GUEST_HOA, 0, dereg.seq, 0, dereg.timestamp))
        self.wait_for(lambda: self.guest("web1") is None, "web1 forgotten")
        self.assertTrue(os.path.exists(self.domain_file()), "the XML stays until release")
        self.hook("web1", "release", "end", domain_xml(target="vnet7"))
        self.assertFalse(os.path.exists(self.domain_file()))

    def test_failed_incoming_migration_sends_nothing(self):
        xml = domain_xml(name="web2", uuid="00000000-0000-0000-0000-0000000000a2",
                         mac="52:54:00:00:02:02", hoa="2001:db8:a::202")
        for operation in ("migrate", "prepare", "start", "started"):
            self.hook("web2", operation, "begin", xml)
        self.assertIsNotNone(self.guest("web2"))
        # The source gave up (or QEMU failed): libvirt stops and releases the
        # destination's domain. The guest never ran here.
        run = self.hook("web2", "stopped", "end", xml)
        self.assertIn("mip6d_told", run.stderr)
        self.hook("web2", "release", "end", xml)
        self.no_bu("2001:db8:a::202", 0.5)
        self.assertIsNone(self.guest("web2"))
        self.assertFalse(os.path.exists(self.domain_file("00000000-0000-0000-0000-0000000000a2")))

    def test_stopped_for_a_guest_mip6d_no_longer_knows_is_no_failure(self):
        # The lifecycle watcher (or a restart of mip6d) was first.
        xml = domain_xml(name="gone", uuid="00000000-0000-0000-0000-0000000000a3",
                         mac="52:54:00:00:02:03", hoa="2001:db8:a::203")
        run = self.hook("gone", "stopped", "end", xml)
        self.assertIn("mip6d_nothing_to_detach", run.stderr)
        self.assertNotIn("error", run.stderr.lower().replace("mip6d_nothing_to_detach", ""))

    def test_malformed_xml_is_logged_and_changes_nothing(self):
        for xml in ("<domain><name>bad</name>", "", "<domain><name>bad</name></domain>"):
            run = self.hook("bad", "prepare", "begin", xml)
            self.assertIn("hook_failed", run.stderr)
        run = self.hook("bad", "prepare", "begin", domain_xml(name="bad", hoa="2001:db8:a::zz"))
        self.assertIn("hook_failed", run.stderr)
        self.assertIsNone(self.guest("bad"))
        self.assertEqual(os.listdir(self.domains), [])

    def test_a_domain_without_our_element_is_left_alone(self):
        run = self.hook("plain", "prepare", "begin", domain_xml(name="plain", metadata=False))
        self.assertNotIn("mip6d_told", run.stderr)
        self.assertIsNone(self.guest("plain"))
        self.assertEqual(os.listdir(self.domains), [])

    def test_a_home_address_mip6d_refuses_is_logged(self):
        # Outside site-a's prefix: mip6d says why, the hook logs it.
        run = self.hook("elsewhere", "prepare", "begin",
                        domain_xml(name="elsewhere", mac="52:54:00:00:02:04", hoa="2001:db8:ff::4"))
        self.assertIn("mip6d_refused", run.stderr)
        self.assertIn("invalid_argument", run.stderr)
        self.assertIsNone(self.guest("elsewhere"))

    def test_mip6d_not_running_or_not_answering_does_not_hold_libvirt_up(self):
        missing = os.path.join(self.lab.dir, "no-such.sock")
        run = self.hook("web3", "prepare", "begin", domain_xml(name="web3"), socket_path=missing)
        self.assertIn("mip6d_unreachable", run.stderr)
        # The XML is kept all the same: roam6-vswitchd reads it when it can.
        self.assertTrue(os.path.exists(self.domain_file()))

        # A socket that accepts and never answers: the budget (80 ms) ends
        # the wait; nothing like mip6ctl's 10 s default.
        silent_path = os.path.join(self.lab.dir, "silent.sock")
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            silent.bind(silent_path)
            silent.listen(4)
            run = self.hook("web3", "prepare", "begin", domain_xml(name="web3"), socket_path=silent_path)
        finally:
            silent.close()
        self.assertIn("mip6d_unreachable", run.stderr)
        self.assertLess(run.seconds, 2.0, "the hook waited past its budget")

    def test_install_runs_as_libvirt_runs_it_and_uninstall_removes_only_ours(self):
        hooks = tempfile.mkdtemp(prefix=harness.RUN + "-hooks-", dir=self.lab.dir)
        os.makedirs(os.path.join(hooks, "qemu.d"))
        other = os.path.join(hooks, "qemu.d", "10-other")
        with open(other, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        proc = subprocess.run([HOOK, "--hooks-dir", hooks, "--mip6d-socket", self.host.socket_path,
                               "--domains", self.domains, "install"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        installed = os.path.join(hooks, "qemu.d", "50-roam6")
        self.assertIn(installed, proc.stdout.decode())
        self.assertTrue(os.access(installed, os.X_OK))
        # libvirt's call: the file itself, four arguments, XML on stdin.
        xml = domain_xml(name="web4", uuid="00000000-0000-0000-0000-0000000000a4",
                         mac="52:54:00:00:02:05", hoa="2001:db8:a::205")
        proc = subprocess.run([installed, "web4", "prepare", "begin", "-"], input=xml.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual((proc.returncode, proc.stdout), (0, b""), proc.stderr)
        self.assertIsNotNone(self.guest("web4"))
        proc = subprocess.run([installed, "web4", "stopped", "end", "-"], input=xml.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertIsNone(self.guest("web4"))

        proc = subprocess.run([HOOK, "--hooks-dir", hooks, "uninstall"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertFalse(os.path.exists(installed))
        self.assertTrue(os.path.exists(other))

    # ------------------------------------------------------------------

    def send(self, pkt):
        self.site.send(raw(hs.Ether(dst=hs.HOST_UPLINK_MAC, src=hs.SITE_ROUTER_MAC) / pkt))

    def wait_for(self, predicate, what, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        self.fail("timed out waiting for " + what)


if __name__ == "__main__":
    unittest.main(verbosity=2)

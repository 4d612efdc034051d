"""A two-site testbed whose foreign host runs a real Open vSwitch, for the
vswitch plugin's end-to-end test and benchmark.

    cn --- router --- ha  (home site a: mip6d home agent + datapath)
             |
           hostb (site b): mip6d host + datapath, private OVS with br-int,
                            roam6-vswitchd; guests attach to br-int as
                            libvirt attaches them

The datapath reaches br-int through `dp0` in one of the two documented ways:
  mode "netdev": a veth pair dp0 (OVS system port) / guests0 (DPDK
                 net_af_packet), OVS's userspace datapath;
  mode "dpdk":   OVS-DPDK, dp0 a dpdkvhostuserclient port; mip6d's datapath
                 is the vhost-user server (net_virtio_user, server=1).
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import harness  # noqa: E402
import ovs_lab  # noqa: E402
from harness import run  # noqa: E402
# The same two sites, addresses and guest g1 (listed in COMMON's [[guests]])
# as the datapath's end-to-end test.
from test_datapath_end_to_end import (COMMON, COA, CN, G1_HOA, G1_MAC, HA, ROUTER_MAC,  # noqa: E402,F401
                                      build_sites, ha_config)

VSWITCHD = os.environ.get("ROAM6_VSWITCHD", "")
BRIDGE = "br-int"
COOKIE = 0x526F616D36000000


def skip_unless_ready():
    ovs_lab.skip_unless_root_and_ovs()
    for name, path in (("MIP6D", harness.MIP6D), ("MIP6CTL", harness.MIP6CTL), ("ROAM6_VSWITCHD", VSWITCHD)):
        if not path or not os.access(path, os.X_OK):
            print("skipped: %s is not set to a built program (run through ctest)" % name)
            sys.exit(harness.SKIP_RETURN_CODE)


def host_config(lab, guests_device):
    eal = ["--no-huge", "-m", "512", "--no-pci", "--no-telemetry", "-l", "0-1",
           "--file-prefix=" + harness.dpdk_file_prefix("hostb"), "--log-level=*:warning"]
    return """role = "host"
node_name = "host-b"
control_socket = "%s"
log_level = "debug"
[host]
site = "site-b"
care_of_address = "%s"
key = "site-b-hosts"
requested_lifetime = 600
[datapath]
eal_args = [%s]
uplink = "net_af_packet_hostb0,iface=up0"
guests = "%s"
poll = "adaptive"
""" % (lab.path("hostb.sock"), COA, ", ".join('"%s"' % a for a in eal), guests_device) + COMMON


class Plugin(harness.Daemon):
    """roam6-vswitchd run in the host's namespace (log, kill and stop as for
    mip6d; it has no control socket)."""

    def __init__(self, lab, namespace, ovs, mip6d_socket):
        super().__init__(lab, namespace, None, None, "vswitchd")
        self.ovs = ovs
        self.domains = lab.path("domains")
        self.command = ["ip", "netns", "exec", namespace, VSWITCHD,
                        "--datapath-port", "dp0", "--bridge", BRIDGE,
                        "--ovsdb", "unix:" + ovs.db_socket, "--openflow", ovs.mgmt(BRIDGE),
                        "--mip6d-socket", mip6d_socket, "--domains", self.domains,
                        "--watch-link", "up0", "--log-level", "debug"]
        lab.daemons.append(self)  # killed by Lab.close

    def start(self, wait=False):
        with open(self.log_path, "ab") as log:
            log.write(b"---- start ----\n")
            log.flush()
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.ovs.env,
                                         preexec_fn=ovs_lab._die_with_parent)
        return self


class VswitchTestbed:
    """The whole testbed, ready (daemons answering, flows not yet checked)."""

    def __init__(self, mode):
        assert mode in ("netdev", "dpdk")
        self.mode = mode
        self.lab = harness.Lab()
        self.ovs = None
        try:
            self._build()
        except Exception:
            self.close()
            raise

    def _build(self):
        lab = self.lab
        sites = build_sites(lab)
        self.router, self.cn, self.ha_ns, self.host_ns = sites.router, sites.cn, sites.ha_ns, sites.host_ns

        self.ovs = ovs_lab.OvsInstance(netns=self.host_ns, dpdk=(self.mode == "dpdk"), tag="vsw")
        self.ovs.add_bridge(BRIDGE)
        if self.mode == "netdev":
            lab.veth(self.host_ns, "dp0", self.host_ns, "guests0")
            lab.disable_ipv6(self.host_ns, "guests0")
            lab.disable_ipv6(self.host_ns, "dp0")
            guests_device = "net_af_packet_hostb1,iface=guests0"
        else:
            self.vhost_socket = self.ovs.path("dp0.sock")
            guests_device = "net_virtio_user_hostb1,path=%s,server=1,queues=1" % self.vhost_socket

        self.ha = lab.daemon(self.ha_ns, ha_config(lab), "ha").start()
        self.host = lab.daemon(self.host_ns, host_config(lab, guests_device), "hostb")
        if self.mode == "netdev":
            self.host.start()
            self.ovs.add_port(BRIDGE, "dp0")
        else:
            # A virtio-user port in server mode waits in the EAL's device
            # probe for its vhost-user client: OVS connects once dp0 exists.
            self.host.start(wait=False)
            self.ovs.add_port(BRIDGE, "dp0", iface_type="dpdkvhostuserclient",
                              options={"vhost-server-path": self.vhost_socket})
            self.host.wait_ready(timeout=30)
        self.plugin = Plugin(lab, self.host_ns, self.ovs, lab.path("hostb.sock")).start()

    def add_guest(self, port, mac, tag, home_address=None, vm_id="6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11",
                  extra_external_ids=None):
        """A guest namespace on br-int through `port`, made as libvirt makes it;
        with `home_address` it is configured as at home (address, home router)."""
        guest = ovs_lab.attach_guest(self.lab, self.ovs, BRIDGE, port, mac, tag=tag,
                                     vm=dict(iface_id="iface-" + port, vm_id=vm_id,
                                             extra_external_ids=extra_external_ids))
        ns = guest.namespace
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
             "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.eth0.accept_dad=0"])
        if home_address:
            run(["ip", "-n", ns, "addr", "add", home_address + "/64", "dev", "eth0", "nodad"])
            # replace: the emulated home link may have answered its RS already
            run(["ip", "-n", ns, "route", "replace", "default", "via", "fe80::1", "dev", "eth0"])
        return guest

    def guest_status(self, name):
        for g in self.host.ctl("guest", "list")["guests"]:
            if g["name"] == name:
                return g
        return None

    def wait(self, predicate, what, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what)

    def our_flows(self):
        return self.ovs.dump_flows(BRIDGE, cookie=COOKIE)

    def print_logs(self):
        harness.print_logs(self.lab.daemons)
        if self.ovs is not None:
            self.ovs.print_logs()

    def close(self):
        try:
            if self.ovs is not None:
                self.ovs.stop()
        finally:
            self.lab.close()

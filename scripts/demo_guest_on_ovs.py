#!/usr/bin/python3
"""The demo's first act: a guest whose home is site A runs on a host at site
B behind a stock Open vSwitch integration bridge, and stays reachable at its
home address.

Everything is real and runs in throw-away network namespaces: the Home Agent
(mip6d + DPDK datapath) at site A, the host at site B (mip6d + DPDK datapath,
a private Open vSwitch 3.1 with br-int in fail_mode=secure, roam6-vswitchd),
a router between the sites and a correspondent. The guest's port is made
exactly as libvirt makes it; nothing is configured for it except mip6d's
[[guests]] entry (its MAC, home address and home site).

Needs root; MIP6D, MIP6CTL and ROAM6_VSWITCHD name the built programs.
Exits non-zero if any step does not do what it says.
"""

import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "ovs"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import vswitch_lab  # noqa: E402
from vswitch_lab import BRIDGE, CN, G1_HOA, G1_MAC  # noqa: E402


def say(text):
    print("\n-- " + text, flush=True)


def show(lines, indent="   "):
    for line in lines:
        print(indent + line, flush=True)


def plugin_events(bed, names):
    wanted = re.compile(r"^(%s) " % "|".join(names))
    return [line for line in bed.plugin.log().splitlines() if wanted.match(line)]


def ping(namespace, count):
    out = subprocess.run(["ip", "netns", "exec", namespace, "ping", "-6", "-n", "-c", str(count), "-i", "0.2",
                          "-W", "2", CN], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
    received = int(re.search(r"(\d+) received", out).group(1)) if "received" in out else 0
    return out, received


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "netdev"
    say("testbed: site A (Home Agent 2001:db8:a::1), site B (host, care-of address 2001:db8:b::2, "
        "Open vSwitch %s datapath), correspondent %s" % ("userspace" if mode == "netdev" else "DPDK", CN))
    bed = vswitch_lab.VswitchTestbed(mode)
    try:
        say("libvirt attaches guest g1 (MAC %s, home address %s) to %s:" % (G1_MAC, G1_HOA, BRIDGE))
        show(["ovs-vsctl -- --if-exists del-port vnet0 -- add-port %s vnet0 -- set Interface vnet0 "
              "external-ids:attached-mac=%s external-ids:iface-id=... external-ids:vm-id=... "
              "external-ids:iface-status=active" % (BRIDGE, G1_MAC)])
        started = time.monotonic()
        guest = bed.add_guest("vnet0", G1_MAC, "g1", home_address=G1_HOA)

        def installed():
            g = bed.guest_status("g1")
            return g if g and g.get("flows") == "installed" else None
        bed.wait(installed, "g1's flows", 20)
        say("roam6-vswitchd saw the port, named the guest, told mip6d and steered it (%.0f ms):"
            % ((time.monotonic() - started) * 1000))
        show(plugin_events(bed, ["port_guest", "guest_attached", "flows_installed"]))

        say("mip6ctl guest list (host at site B):")
        show(subprocess.run([vswitch_lab.harness.MIP6CTL, "--socket", bed.host.socket_path, "guest", "list"],
                            stdout=subprocess.PIPE, check=True).stdout.decode().splitlines())
        flows = bed.our_flows()
        say("%d OpenFlow 1.3 rules with roam6's cookie on %s (no NORMAL action), e.g.:" % (len(flows), BRIDGE))
        show(["table=%d priority=%d %s actions=%s" % (f["table"], f["priority"], f["match"], f["actions"])
              for f in sorted(flows, key=lambda f: (f["table"], -f["priority"])) if f["table"] == 0][:6])

        say("the guest pings the correspondent from its home address, as if it were at home:")
        out, received = ping(guest.namespace, 6)
        if received == 0:  # the very first echo may wait for the registration
            out, received = ping(guest.namespace, 6)
        show(out.strip().splitlines()[-3:])
        if received == 0:
            raise SystemExit("demo: the guest did not reach the correspondent")
        say("the Home Agent's binding cache:")
        show(subprocess.run([vswitch_lab.harness.MIP6CTL, "--socket", bed.ha.socket_path, "binding", "list"],
                            stdout=subprocess.PIPE, check=True).stdout.decode().splitlines())

        say("ovs-vswitchd restarts (it forgets every flow; fail_mode=secure forwards nothing meanwhile):")
        signature = sorted((f["table"], f["priority"], f["match"], f["actions"]) for f in flows)
        bed.ovs.kill_vswitchd()
        restarted = time.monotonic()
        bed.ovs.start_vswitchd()
        bed.wait(lambda: sorted((f["table"], f["priority"], f["match"], f["actions"])
                                for f in bed.our_flows()) == signature, "the flows back", 20)
        show(["the plugin found its canary flow gone and put all %d rules back %.0f ms after the restart began"
              % (len(signature), (time.monotonic() - restarted) * 1000)])
        out, received = ping(guest.namespace, 5)
        show(out.strip().splitlines()[-2:])
        if received == 0:
            raise SystemExit("demo: no forwarding after the vswitchd restart")
    except Exception:
        bed.print_logs()
        raise
    finally:
        bed.close()


if __name__ == "__main__":
    main()

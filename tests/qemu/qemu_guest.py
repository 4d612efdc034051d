"""A QEMU guest for the tests (TCG: no KVM here), on a tap in a namespace.

QemuGuest(lab, namespace, ...) boots guest_image.py's kernel and initramfs
with one NIC (virtio-net-pci or e1000) on a tap QEMU creates in
`namespace`, its serial console in the lab's directory. The guest's /init
says "roam6-guest: ready ..." on the console once its home address is up
and it answers probes on UDP 7447. stop() kills QEMU; the lab removes the
namespace (and with it the tap) even when a test fails.
"""

import os
import shutil
import subprocess
import time

import guest_image

QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
READY = "roam6-guest: ready"


class QemuGuest:
    def __init__(self, lab, namespace, name, mac, home_address, nic="virtio-net-pci", memory_mb=192):
        self.name = name
        self.tap = "tap-" + name
        self.serial = lab.path(name + ".serial")
        self.log = lab.path(name + ".qemu.log")
        kernel, initrd = guest_image.build_guest_image()
        command = ["ip", "netns", "exec", namespace, QEMU, "-machine", "q35,accel=tcg", "-m", str(memory_mb),
                   "-nographic", "-no-reboot", "-monitor", "none", "-display", "none",
                   "-kernel", kernel, "-initrd", initrd,
                   "-append", "console=ttyS0 quiet panic=-1 roam6.home_address=%s/64" % home_address,
                   "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % self.tap,
                   "-device", "%s,netdev=n0,mac=%s" % (nic, mac),
                   "-serial", "file:" + self.serial]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def console(self):
        try:
            with open(self.serial, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_ready(self, timeout=120):
        """The ready line from the guest's console; raises with the console's
        end and QEMU's log when it does not come (TCG boots in ~10 s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.console().splitlines():
                if READY in line:
                    return line[line.index(READY):]
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        with open(self.log, errors="replace") as f:
            qemu_log = f.read()[-2000:]
        raise AssertionError("guest %s not ready within %d s\nconsole: %s\nqemu: %s" % (
            self.name, timeout, self.console()[-2000:], qemu_log))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def tap_up_as_home_router(namespace, tap):
    """The tap's namespace end acts as the guest's home router: fe80::1 and
    the home prefix's ::1, no DAD."""
    subprocess.run(["ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.%s.accept_dad=0" % tap],
                   check=True, stdout=subprocess.DEVNULL)
    for args in (["link", "set", tap, "up"], ["addr", "add", "fe80::1/64", "dev", tap, "nodad"],
                 ["addr", "add", "2001:db8:a::1/64", "dev", tap, "nodad"]):
        subprocess.run(["ip", "-n", namespace] + args, check=True)


def wait_for_tap(namespace, tap, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["ip", "-n", namespace, "link", "show", tap], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.05)
    raise AssertionError("QEMU made no tap %s in %s" % (tap, namespace))


def probe(namespace_enter, address, count=20, port=7447, timeout=2.0):
    """`count` numbered datagrams to [address]:port from inside the
    namespace; returns [(payload echoed?, echo's source)]."""
    import socket
    results = []
    with namespace_enter:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        for n in range(count):
            payload = b"roam6-probe %d" % n
            s.sendto(payload, (address, port))
            # An echo of an earlier probe that came late is skipped.
            result = (False, None)
            try:
                while True:
                    data, source = s.recvfrom(2048)
                    if data == payload:
                        result = (True, source[0])
                        break
            except OSError:
                pass
            results.append(result)
    finally:
        s.close()
    return results


__all__ = ["QemuGuest", "tap_up_as_home_router", "wait_for_tap", "probe", "QEMU"]
_ = os  # the module's users take paths from the lab

"""A QEMU guest for the tests (TCG: no KVM here), on a tap in a namespace.

QemuGuest(lab, namespace, ...) boots guest_image.py's kernel and initramfs
with one NIC (virtio-net-pci or e1000) on a tap QEMU creates in
`namespace`, its serial console in the lab's directory. The guest's /init
says "roam6-guest: ready ..." on the console once its home address is up
and it answers probes on UDP 7447. stop() kills QEMU; the lab removes the
namespace (and with it the tap) even when a test fails.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import guest_image

QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
READY = "roam6-guest: ready"


class QemuGuest:
    def __init__(self, lab, namespace, name, mac, home_address, nic="virtio-net-pci", memory_mb=192,
                 incoming=None, tap=None):
        """incoming: a migration URI ("unix:PATH") this QEMU waits on, paused,
        as a live migration's destination (the same machine and NIC).
        tap: its name (default tap-NAME; libvirt's are vnetN)."""
        self.name = name
        self.tap = tap or "tap-" + name
        self.serial = lab.path(name + ".serial")
        self.log = lab.path(name + ".qemu.log")
        self.qmp_path = lab.path(name + ".qmp")
        kernel, initrd = guest_image.build_guest_image()
        command = ["ip", "netns", "exec", namespace, QEMU, "-machine", "q35,accel=tcg", "-m", str(memory_mb),
                   "-nographic", "-no-reboot", "-monitor", "none", "-display", "none",
                   "-kernel", kernel, "-initrd", initrd,
                   "-append", "console=ttyS0 quiet panic=-1 roam6.home_address=%s/64" % home_address,
                   # vnet_hdr=off: the guest completes its own checksums. With
                   # a virtio header its frames may leave checksum-partial,
                   # which the kernel on the tap's side completes but a switch
                   # or datapath copying frames below it does not.
                   "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no,vnet_hdr=off" % self.tap,
                   "-device", "%s,netdev=n0,mac=%s" % (nic, mac),
                   "-serial", "file:" + self.serial,
                   "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if incoming:
            command += ["-incoming", incoming]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def console(self):
        return console_text(self.serial)

    def wait_ready(self, timeout=120):
        """The ready line from the guest's console; raises with the console's
        end and QEMU's log when it does not come (TCG boots in ~10 s)."""
        line = wait_for_ready_line(self.serial, timeout, lambda: self.proc.poll() is None)
        if line is not None:
            return line
        with open(self.log, errors="replace") as f:
            qemu_log = f.read()[-2000:]
        raise AssertionError("guest %s not ready within %d s\nconsole: %s\nqemu: %s" % (
            self.name, timeout, self.console()[-2000:], qemu_log))

    def qmp(self, timeout=10):
        """A QMP session (capabilities negotiated) on this QEMU's socket."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.qmp_path):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError("no QMP socket from %s" % self.name)
            time.sleep(0.05)
        return Qmp(self.qmp_path)

    def describe(self, tail=1500):
        """For a failed test: whether this QEMU still runs (a guest that
        panicked exits it: -no-reboot), the end of its console and its log."""
        rc = self.proc.poll()
        try:
            with open(self.log, errors="replace") as f:
                qemu_log = f.read()[-tail:]
        except FileNotFoundError:
            qemu_log = ""
        return "QEMU %s (tap %s): %s\n  console: %s\n  qemu log: %s" % (
            self.name, self.tap, "running" if rc is None else "exited with %s" % rc,
            console_for_a_report(self.console())[-3 * tail:].strip().replace("\n", "\n    "), qemu_log.strip().replace("\n", "\n    "))

    def running(self):
        """Whether QEMU says the guest's vCPUs run ("running": not paused,
        nor waiting for or done with a migration); False when it cannot say."""
        if self.proc.poll() is not None or not os.path.exists(self.qmp_path):
            return False
        try:
            session = Qmp(self.qmp_path, timeout=5)
        except (OSError, AssertionError, ValueError):
            return False
        try:
            return session.execute("query-status").get("status") == "running"
        except (OSError, AssertionError, ValueError):
            return False
        finally:
            session.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


class Qmp:
    """QEMU Machine Protocol over a unix socket: commands and their answers,
    events kept with QEMU's own timestamps (seconds since the epoch)."""

    def __init__(self, path, timeout=30):
        import socket
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""
        self.events = []
        self._read()  # the greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("QMP connection closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, **arguments):
        self.sock.sendall((json.dumps({"execute": command, "arguments": arguments}) + "\n").encode())
        while True:
            message = self._read()
            if "event" in message:
                self.events.append(message)
            elif "error" in message:
                raise AssertionError("QMP %s: %s" % (command, message["error"]))
            elif "return" in message:
                return message["return"]

    def wait_event(self, name, timeout=60):
        """The first event `name` (seen before or now)."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e["event"] == name:
                    return e
            if time.monotonic() > deadline:
                raise AssertionError("no QMP event %s within %d s (got %s)" % (
                    name, timeout, [e["event"] for e in self.events]))
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                self.events.append(self._read())
            except OSError:
                pass

    def close(self):
        self.sock.close()


def event_time(event):
    """A QMP event's timestamp on time.time()'s clock."""
    return event["timestamp"]["seconds"] + event["timestamp"]["microseconds"] / 1e6


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


# What the guest's kernel prints when it panics (a panic stops the guest:
# panic=-1 with -no-reboot, or libvirt's on_reboot destroy).
KERNEL_PANIC = "Kernel panic - not syncing"
# What the guest's kernel prints when it finds itself broken but goes on
# ("BUG: scheduling while atomic" in a NIC driver's interrupt path after a
# migration under TCG, say), after its timestamp.
KERNEL_BUG = "] BUG: "
# What its /init prints every second once ready (guest_init.sh).
HEARTBEAT = "roam6-guest: alive"
# A running guest writes a heartbeat every second: this much silence, under
# TCG beside a busy build, means it stopped.
SILENT_FOR_S = 8.0
# Frames its tap dropped on the way to it, within the silence of its NIC,
# that say the frames were there to take.
TAP_DROPS_OF_A_STALLED_NIC = 100


class GuestFailed(Exception):
    """The guest itself failed during a test: its kernel panicked, it
    stopped running, or its NIC stopped taking the frames its tap had for
    it (its console says which)."""


def retry_once_if_the_guest_fails(run, *args, before_retry=None, **kwargs):
    """run(*args, **kwargs), and once more with a fresh guest if the first
    raised GuestFailed (before_retry() first, when given). Under TCG on this
    kind of machine the guest's kernel has crashed after a live migration (a
    corrupted skb list in its network stack, "Fatal exception in
    interrupt"), a guest has gone silent after one, its tap full, and one
    has sent nothing after a kernel BUG (docs/testbed.md): QEMU's and the
    guest's, not roam6's, which the second run still checks in full. A
    second failure fails the test."""
    try:
        return run(*args, **kwargs)
    except GuestFailed as e:
        print("  the guest itself failed (%s); once more with a fresh guest" % e, file=sys.stderr, flush=True)
        if before_retry is not None:
            before_retry()
        return run(*args, **kwargs)


def the_guest_failed(serial_paths, tap_dropped=0, running=True, now=None):
    """Why the guest whose consoles (one per QEMU it ran in) are at
    `serial_paths` failed on its own, or None: a kernel panic on one of
    them; no heartbeat on any for SILENT_FOR_S though it had started and
    its hypervisor says it runs (`running`: a guest left paused by a
    migration that failed is not the guest's doing); or heartbeats
    SILENT_FOR_S apart with no frame received in between while its tap
    dropped `tap_dropped` >= TAP_DROPS_OF_A_STALLED_NIC frames for it. A
    guest that runs and takes its frames is never blamed: a network that
    delivers nothing to it leaves its tap's drops at zero."""
    now = time.time() if now is None else now
    consoles = [(console_text(p), _mtime(p)) for p in serial_paths]
    for text, _ in consoles:
        at = text.find(KERNEL_PANIC)
        if at >= 0:
            return text[at:text.find("\n", at)].strip()
    beats = [b for text, _ in consoles for b in heartbeats(text)]
    if not beats:
        return None
    silent = now - max(mtime for _, mtime in consoles)
    if silent >= SILENT_FOR_S and running:
        return "no heartbeat on its console for %.0f s: the guest stopped running" % silent
    latest = max(consoles, key=lambda c: c[1])[0]
    # Its kernel reported a BUG, and since then it has taken frames but sent
    # none for SILENT_FOR_S: what it sends is counted inside it, so no
    # network keeps that count still; the BUG says why (without one, a guest
    # that takes frames it has no reason to answer is not blamed).
    bug = latest.find(KERNEL_BUG)
    if bug >= 0:
        since = heartbeats(latest[bug:])
        if since and since[-1]["tx"] == since[0]["tx"] and since[-1]["rx"] > since[0]["rx"] and \
                since[-1]["uptime"] - since[0]["uptime"] >= SILENT_FOR_S:
            line = latest[bug + 2:latest.find("\n", bug)].strip()
            return "its kernel reported %r and has sent nothing since, for %.0f s, while it took %d frames" % (
                line, since[-1]["uptime"] - since[0]["uptime"], since[-1]["rx"] - since[0]["rx"])
    recent = heartbeats(latest)
    if recent and tap_dropped >= TAP_DROPS_OF_A_STALLED_NIC:
        last = recent[-1]
        stalled_since = [b for b in recent if b["rx"] == last["rx"]][0]
        if last["uptime"] - stalled_since["uptime"] >= SILENT_FOR_S:
            return "its NIC took no frame in its last %.0f s (rx=%d) while its tap dropped %d for it" % (
                last["uptime"] - stalled_since["uptime"], last["rx"], tap_dropped)
    return None


def heartbeats(text):
    """The console's heartbeats, oldest first: [{uptime, rx, tx}]."""
    beats = []
    for line in text.splitlines():
        if HEARTBEAT not in line:
            continue
        fields = dict(w.split("=", 1) for w in line[line.index(HEARTBEAT) + len(HEARTBEAT):].split() if "=" in w)
        try:
            beats.append({"uptime": float(fields["uptime"]), "rx": int(fields["rx"]), "tx": int(fields["tx"])})
        except (KeyError, ValueError):
            continue  # a line cut by the end of the file or by kernel output
    return beats


def raise_if_the_guest_failed(why, failure):
    """Raises GuestFailed(why) from `failure` when `why` (the_guest_failed's
    verdict) names a reason; returns otherwise."""
    if why is not None:
        raise GuestFailed(why) from failure


def console_for_a_report(text, heartbeats_kept=3):
    """The console without all but its last few heartbeats."""
    lines = text.splitlines()
    beat_lines = [i for i, line in enumerate(lines) if HEARTBEAT in line]
    dropped = set(beat_lines[:-heartbeats_kept]) if heartbeats_kept else set(beat_lines)
    kept = [line for i, line in enumerate(lines) if i not in dropped]
    if dropped:
        kept.insert(min(dropped), "[%d heartbeats left out]" % len(dropped))
    return "\n".join(kept)


def _mtime(path):
    try:
        return os.path.getmtime(path)
    except FileNotFoundError:
        return 0.0


def console_text(serial_path):
    """What the guest wrote on its serial console so far ("" before it exists)."""
    try:
        with open(serial_path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for_ready_line(serial_path, timeout, still_running=lambda: True):
    """The guest's ready line (from READY on) once its console shows it;
    None after `timeout` s or once `still_running()` is false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in console_text(serial_path).splitlines():
            if READY in line:
                return line[line.index(READY):]
        if not still_running():
            return None
        time.sleep(0.2)
    return None


def tap_drops(namespace, tap=None):
    """What the guest taps in `namespace` (or the one named `tap`) dropped
    on their way to their guests: what QEMU did not read in time (a tap
    queues ~500 packets beside the NIC's ring; a guest under TCG on busy
    cores falls behind a 1 kHz stream, or a burst of what was held for it)."""
    out = subprocess.run(["ip", "-n", namespace, "-s", "-j", "link", "show"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=30).stdout
    return sum(link.get("stats64", {}).get("tx", {}).get("dropped", 0) for link in json.loads(out or b"[]")
               if link.get("ifname", "").startswith(("vnet", "tap")) and tap in (None, link.get("ifname")))


def probe(namespace_enter, address, count=20, port=7447, timeout=2.0, tries=1, give_up=None):
    """`count` numbered datagrams to [address]:port from inside the
    namespace, each sent up to `tries` times until echoed; returns
    [(payload echoed?, echo's source)]. More than one try asks whether the
    guest is reachable, not whether every datagram got through: a guest
    under TCG beside a 1 kHz probe stream drops some on its own.
    give_up(): asked after each datagram no try got an echo for; a reason
    it returns (the_guest_failed's) raises GuestFailed at once, rather than
    after every datagram's tries to a guest that crashed."""
    import socket
    results = []
    with namespace_enter:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        for n in range(count):
            payload = b"roam6-probe %d" % n
            result = (False, None)
            for _ in range(tries):
                s.sendto(payload, (address, port))
                # An echo of an earlier probe that came late is skipped.
                try:
                    while True:
                        data, source = s.recvfrom(2048)
                        if data == payload:
                            result = (True, source[0])
                            break
                except OSError:
                    pass
                if result[0]:
                    break
            results.append(result)
            if not result[0] and give_up is not None:
                why = give_up()
                if why is not None:
                    raise GuestFailed(why)
    finally:
        s.close()
    return results


__all__ = ["QemuGuest", "Qmp", "event_time", "tap_up_as_home_router", "wait_for_tap", "probe", "console_text",
           "wait_for_ready_line", "tap_drops", "QEMU", "GuestFailed", "retry_once_if_the_guest_fails",
           "the_guest_failed", "raise_if_the_guest_failed", "heartbeats", "console_for_a_report"]

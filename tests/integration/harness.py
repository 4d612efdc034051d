"""Shared machinery of the integration tests: real mip6d processes in
throw-away network namespaces, driven from Python.

- Lab: one test's namespaces, daemons, raw ports and temporary files.
  close() removes all of them, whatever happened; at start, leftovers of
  earlier runs whose process is gone are removed (never those of a run that
  is still alive: names carry the creating process's pid).
- Daemon: one mip6d in a namespace (`ip netns exec` execs it, so the pid is
  mip6d's own) plus mip6ctl against its control socket.
- RawPort: an AF_PACKET socket opened inside a namespace (the socket keeps
  that namespace for its whole life, so the test process itself never stays
  in another namespace), bound to one interface. Every send the tests make
  is paired with a receive that has a timeout.
- Binding Updates are built here from scapy layers; the RFC 4285 options are
  written by hand with struct and the authenticator computed with Python's
  hmac module, independently of the C++ code.

Paths of the binaries come from the environment (MIP6D, MIP6CTL; ctest sets
them). Run as root; skip_unless_root() exits with SKIP_RETURN_CODE otherwise.
"""

import ctypes
import hashlib
import hmac
import json
import logging
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, Packet, Raw, StrField, raw  # noqa: E402
from scapy.layers.inet6 import HAO, IPv6, IPv6ExtHdrDestOpt, MIP6MH_BU  # noqa: E402

MIP6D = os.environ.get("MIP6D", "")
MIP6CTL = os.environ.get("MIP6CTL", "")
SKIP_RETURN_CODE = 77  # ctest SKIP_RETURN_CODE in tests/integration/CMakeLists.txt

PREFIX = "r6it-"  # namespaces /run/netns/r6it-<pid>-<tag>, files /tmp/r6it-<pid>-*
RUN = "%s%d" % (PREFIX, os.getpid())

IPPROTO_MH = 135
ETH_P_ALL = 0x0003
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
NTP_UNIX_OFFSET = 2208988800


def skip_unless_root():
    if os.geteuid() != 0:
        print("skipped: needs root (network namespaces, AF_PACKET)")
        sys.exit(SKIP_RETURN_CODE)
    for variable, path in (("MIP6D", MIP6D), ("MIP6CTL", MIP6CTL)):
        if not path or not os.access(path, os.X_OK):
            print("%s must name the binary (got %r)" % (variable, path))
            sys.exit(2)


def test_failed(testcase):
    """In a cleanup or tearDown: has this test failed so far? (Python 3.11
    reports failures to the result at once; _Outcome.success stays True.)"""
    outcome = getattr(testcase, "_outcome", None)
    result = getattr(outcome, "result", None)
    if result is None:
        return False
    return any(test is testcase or getattr(test, "test_case", None) is testcase
               for test, _ in list(result.failures) + list(result.errors))


def print_logs(daemons, tail=6000):
    for d in daemons:
        print("==== %s ====\n%s" % (d.log_path, d.log()[-tail:]), file=sys.stderr)


def run(command, check=True, timeout=30):
    """Runs a command (a list); its exit status and merged output."""
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    out = proc.stdout.decode(errors="replace")
    if check and proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(command), proc.returncode, out))
    return proc.returncode, out


# --------------------------------------------------------------------------
# Namespaces


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


class InNamespace:
    """`with InNamespace(name):` runs the block with the calling thread in
    that network namespace, and returns it to its own afterwards."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(target)
        except Exception:
            os.close(self.own)
            raise
        finally:
            os.close(target)
        return self

    def __exit__(self, *exc):
        try:
            _setns(self.own)
        finally:
            os.close(self.own)
        return False


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_pid(name):
    """The pid in r6it-<pid>-..., or None."""
    if not name.startswith(PREFIX):
        return None
    head = name[len(PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def remove_namespace(name):
    """Kills what still runs in the namespace (our own daemons), then deletes it."""
    _, pids = run(["ip", "netns", "pids", name], check=False)
    for text in pids.split():
        if text.isdigit():
            try:
                os.kill(int(text), signal.SIGKILL)
            except ProcessLookupError:
                pass
    for _ in range(50):
        _, pids = run(["ip", "netns", "pids", name], check=False)
        if not pids.split():
            break
        time.sleep(0.02)
    run(["ip", "netns", "del", name], check=False)


def remove_leftovers():
    """Namespaces and temporary directories of earlier runs whose process is
    gone (a crash, a timeout). Runs still alive keep theirs."""
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        names = []
    for name in names:
        pid = _owner_pid(name)
        if pid is not None and not _pid_alive(pid):
            remove_namespace(name)
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        pid = _owner_pid(name)
        if pid is not None and not _pid_alive(pid):
            shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)
    for name in _dpdk_runtime_dirs():
        pid = _owner_pid(name)
        if pid is not None and not _pid_alive(pid):
            shutil.rmtree(os.path.join(DPDK_RUNTIME, name), ignore_errors=True)


# A DPDK process keeps its runtime files in /var/run/dpdk/<file-prefix>; a
# killed one leaves them behind. Datapath tests use file prefixes r6it-<pid>-*.
DPDK_RUNTIME = "/var/run/dpdk"


def _dpdk_runtime_dirs():
    try:
        return [n for n in os.listdir(DPDK_RUNTIME) if n.startswith(PREFIX)]
    except FileNotFoundError:
        return []


def dpdk_file_prefix(tag):
    """A DPDK --file-prefix owned by this test run (removed by Lab.close)."""
    return "%s-%s" % (RUN, tag)


# --------------------------------------------------------------------------
# Raw frames


class RawPort:
    """An AF_PACKET socket on one interface of a namespace. Frames this
    interface sends itself are not delivered back."""

    def __init__(self, namespace, interface, rcvbuf=8 << 20):
        self.namespace = namespace
        self.interface = interface
        with InNamespace(namespace):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
                self.sock.setsockopt(socket.SOL_SOCKET, 32, rcvbuf)  # SO_SNDBUFFORCE
            except OSError:
                pass
            self.sock.bind((interface, ETH_P_ALL))
        self.mac = self._mac()
        self.drain()

    def _mac(self):
        _, out = run(["ip", "-n", self.namespace, "-o", "link", "show", "dev", self.interface])
        words = out.split()
        return words[words.index("link/ether") + 1]

    def close(self):
        self.sock.close()

    def send(self, frame):
        frame = bytes(frame)
        sent = self.sock.send(frame)
        if sent != len(frame):
            raise AssertionError("sent %d of %d bytes" % (sent, len(frame)))

    def _recv_one(self, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, address = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            if address[2] == PACKET_OUTGOING:
                continue
            return data

    def receive(self, predicate, timeout):
        """The first frame satisfying predicate(bytes) within `timeout`
        seconds, or None. Frames that do not match are discarded."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._recv_one(deadline)
            if frame is None or predicate(frame):
                return frame

    def receive_all(self, predicate, duration):
        """Every frame satisfying predicate within `duration` seconds."""
        deadline = time.monotonic() + duration
        out = []
        while True:
            frame = self._recv_one(deadline)
            if frame is None:
                return out
            if predicate(frame):
                out.append(frame)

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(65535)
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)


# --------------------------------------------------------------------------
# mip6d


class Daemon:
    def __init__(self, lab, namespace, config_path, socket_path, name):
        self.lab = lab
        self.namespace = namespace
        self.config_path = config_path
        self.socket_path = socket_path
        self.log_path = os.path.join(lab.dir, name + ".log")
        self.proc = None

    def start(self, wait=True):
        with open(self.log_path, "ab") as log:
            log.write(b"---- start ----\n")
            log.flush()
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, MIP6D, "--config", self.config_path],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("mip6d exited with %s:\n%s" % (self.proc.returncode, self.log()))
            if os.path.exists(self.socket_path):
                status, _ = self.ctl_raw("version")
                if status == 0:
                    return
            time.sleep(0.02)
        raise AssertionError("mip6d did not answer within %.0f s:\n%s" % (timeout, self.log()))

    def ctl_raw(self, *args, as_json=False):
        command = [MIP6CTL, "--socket", self.socket_path]
        if as_json:
            command.append("--json")
        command += list(args)
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        return proc.returncode, (proc.stdout + proc.stderr).decode(errors="replace")

    def ctl(self, *args):
        """mip6ctl --json ARGS: the parsed result; AssertionError on refusal."""
        command = [MIP6CTL, "--socket", self.socket_path, "--json"] + list(args)
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if proc.returncode != 0:
            raise AssertionError("mip6ctl %s exited %d: %s %s" % (
                " ".join(args), proc.returncode, proc.stdout.decode(), proc.stderr.decode()))
        return json.loads(proc.stdout)

    def ctl_refused(self, *args):
        """mip6ctl --json ARGS that the daemon refuses: (exit status, error object)."""
        command = [MIP6CTL, "--socket", self.socket_path, "--json"] + list(args)
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        text = proc.stdout.decode().strip()
        try:
            error = json.loads(text) if text else None
        except ValueError:
            error = text
        return proc.returncode, error

    def stats(self):
        return flatten(self.ctl("stats"))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout=10.0):
        """SIGTERM and wait; SIGKILL if it does not stop. The exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def flatten(tree, prefix=""):
    """{"bu": {"received": 1}} -> {"bu.received": 1}."""
    out = {}
    for key, value in tree.items():
        name = prefix + key
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def counter_delta(before, after, ignore=("ports.", "control.")):
    """The counters that changed between two flattened stats, as
    {name: after - before}; names starting with one of `ignore` left out."""
    out = {}
    for name in set(before) | set(after):
        if any(name.startswith(p) for p in ignore):
            continue
        a, b = after.get(name, 0), before.get(name, 0)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != b:
            out[name] = a - b
    return out


# --------------------------------------------------------------------------
# The lab


class Lab:
    """Everything one test creates. Use as a context manager, or call close()
    in tearDown: it runs even when the test failed."""

    def __init__(self):
        remove_leftovers()
        self.dir = tempfile.mkdtemp(prefix=RUN + "-")
        os.chmod(self.dir, 0o700)
        self.namespaces = []
        self.daemons = []
        self.ports = []
        self._counter = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def path(self, name):
        return os.path.join(self.dir, name)

    def namespace(self, tag, ipv6=False):
        """A new namespace r6it-<pid>-<n><tag>. ipv6=False disables kernel
        IPv6 on every link made in it (as on a mip6d interface)."""
        name = "%s-%d%s" % (RUN, self._counter, tag)
        self._counter += 1
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        run(["ip", "-n", name, "link", "set", "dev", "lo", "up"])
        if not ipv6:
            run(["ip", "netns", "exec", name, "sysctl", "-qw",
                 "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        return name

    def kernel_namespaces(self, tags):
        """Many namespaces with kernel IPv6 on, made by one `ip -batch`
        (a thousand guests' namespaces one by one take a minute); their
        loopbacks are left to the caller's own setup."""
        names = []
        for tag in tags:
            names.append("%s-%d%s" % (RUN, self._counter, tag))
            self._counter += 1
        self.namespaces.extend(names)
        proc = subprocess.run(["ip", "-batch", "-"], input="".join("netns add %s\n" % n for n in names),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError("ip netns add (batch) failed: %s" % proc.stdout.strip())
        return names

    def veth(self, ns_a, name_a, ns_b, name_b, mac_a=None, mac_b=None):
        run(["ip", "link", "add", "name", name_a, "netns", ns_a, "type", "veth",
             "peer", "name", name_b, "netns", ns_b])
        for ns, name, mac in ((ns_a, name_a, mac_a), (ns_b, name_b, mac_b)):
            if mac:
                run(["ip", "-n", ns, "link", "set", "dev", name, "address", mac])
            run(["ip", "-n", ns, "link", "set", "dev", name, "up"])

    def disable_ipv6(self, ns, interface):
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % interface])

    def daemon(self, namespace, config_text, name):
        config_path = self.path(name + ".toml")
        with open(config_path, "w") as f:
            f.write(config_text)
        d = Daemon(self, namespace, config_path, self.path(name + ".sock"), name)
        self.daemons.append(d)
        return d

    def port(self, namespace, interface):
        p = RawPort(namespace, interface)
        self.ports.append(p)
        return p

    def close(self):
        errors = []
        for d in self.daemons:
            try:
                d.kill()
            except Exception as e:  # keep cleaning up
                errors.append(e)
        for p in self.ports:
            try:
                p.close()
            except Exception as e:
                errors.append(e)
        for name in self.namespaces:
            remove_namespace(name)
        self.namespaces = []
        for name in _dpdk_runtime_dirs():
            if name.startswith(RUN + "-"):
                shutil.rmtree(os.path.join(DPDK_RUNTIME, name), ignore_errors=True)
        if os.environ.get("ROAM6_KEEP_LOGS"):
            print("logs kept in", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise errors[0]


# --------------------------------------------------------------------------
# Binding Updates, independently of the C++ code


class RawOptions(Packet):
    """Mobility options given as bytes, to go into scapy's options list."""

    name = "hand-built mobility options"
    fields_desc = [StrField("data", b"")]

    def extract_padding(self, s):
        return b"", s


def ip6(text):
    return socket.inet_pton(socket.AF_INET6, text)


def ntp_timestamp(unix_seconds=None):
    """RFC 4285 6 / RFC 5905: seconds since 1900 in the high 32 bits, binary
    fraction in the low 32."""
    t = time.time() if unix_seconds is None else unix_seconds
    seconds = int(t)
    fraction = int((t - seconds) * (1 << 32)) & 0xFFFFFFFF
    return ((seconds + NTP_UNIX_OFFSET) << 32) | fraction


def ntp_to_unix(ntp):
    return (ntp >> 32) - NTP_UNIX_OFFSET + (ntp & 0xFFFFFFFF) / float(1 << 32)


def padding(n):
    """Pad1 or PadN of n bytes (RFC 6275 6.2.2, 6.2.3)."""
    if n == 0:
        return b""
    if n == 1:
        return b"\x00"
    return bytes([1, n - 2]) + b"\x00" * (n - 2)


class Key:
    def __init__(self, name, spi, algorithm, secret_hex):
        self.name = name
        self.spi = spi
        self.algorithm = algorithm
        self.secret = bytes.fromhex(secret_hex)
        self.secret_hex = secret_hex

    @property
    def size(self):
        return 12 if self.algorithm == "hmac-sha1-96" else 32

    def authenticator(self, care_of, home_address, covered):
        """RFC 4285 5.1: HMAC over care-of | home | MH through the SPI."""
        data = ip6(care_of) + ip6(home_address) + bytes(covered)
        if self.algorithm == "hmac-sha1-96":
            return hmac.new(self.secret, data, hashlib.sha1).digest()[:12]
        return hmac.new(self.secret, data, hashlib.sha256).digest()

    def toml(self):
        return ('[[keys]]\nname = "%s"\nspi = %d\nalgorithm = "%s"\nsecret_hex = "%s"\n'
                % (self.name, self.spi, self.algorithm, self.secret_hex))


BU_BASE = 12  # the options of a BU (and a BA) start at this MH offset


def bu_options(timestamp, key, spi=None, auth_size=None, extra=b"", base=None):
    """The option area of a BU starting at MH offset 12 (or `base`: 12 for a
    BA too, 8 for a BRR): `extra` options, Replay Protection at 8n+2 (when
    timestamp is not None), then the MN-HA option (when key is not None) at
    4n+1, last, ending the MH on a multiple of 8 octets. The authenticator is
    left zero. Returns (bytes, offset of the auth option in the MH or None)."""
    base = BU_BASE if base is None else base
    out = bytearray(extra)
    at = base + len(out)
    if timestamp is not None:
        pad = (2 - at) % 8
        out += padding(pad) + struct.pack("!BBQ", 10, 8, timestamp)
    auth_at = None
    if key is not None:
        size = key.size if auth_size is None else auth_size
        length = 2 + 1 + 4 + size
        at = base + len(out)
        # Start at 4n+1 and end on a multiple of 8: start = -length mod 8,
        # which is 4n+1 for both authenticator sizes (32 and 12).
        pad = (-length - at) % 8
        if (at + pad) % 4 != 1:
            pad += 4
        out += padding(pad)
        auth_at = base + len(out)
        out += struct.pack("!BBBI", 9, length - 2, 1, key.spi if spi is None else spi) + b"\x00" * size
    out += padding((-(base + len(out))) % 8)
    return bytes(out), auth_at


def binding_update(care_of, home_agent, home_address, seq, lifetime_units, key,
                   timestamp="now", flags="AH", spi=None, corrupt=False, extra_options=b"",
                   with_auth=True, hao=True):
    """A BU as an IPv6 packet (scapy), signed as RFC 4285 5.1 says:
    HMAC over care-of | home | MH up to and including the SPI, checksum 0.
    scapy computes the MH checksum (over the HAO's home address)."""
    if timestamp == "now":
        timestamp = ntp_timestamp()
    options, auth_at = bu_options(timestamp, key if with_auth else None, spi=spi, extra=extra_options)

    def mh(opts, cksum):
        return MIP6MH_BU(seq=seq, flags=flags, mhtime=lifetime_units, reserved=0, res=0,
                         cksum=cksum, autopad=0, options=[RawOptions(data=opts)])

    if auth_at is not None:
        unsigned = bytearray(raw(mh(options, 0)))
        covered = unsigned[: auth_at + 7]
        mac = key.authenticator(care_of, home_address, covered)
        if corrupt:
            mac = bytes([mac[0] ^ 0x01]) + mac[1:]
        options = options[: auth_at - BU_BASE + 7] + mac + options[auth_at - BU_BASE + 7 + len(mac):]
    ip = IPv6(src=care_of, dst=home_agent, hlim=64)
    if hao:
        ip = ip / IPv6ExtHdrDestOpt(options=[HAO(hoa=home_address)])
    return ip / mh(options, None)


def mh_checksum(src, dst, mh):
    """RFC 6275 6.1.1: the MH checksum over the pseudo-header src -> dst."""
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(mh), IPPROTO_MH)
    return 0xFFFF - ones_complement_sum(pseudo + bytes(mh))


def signed_mh(fixed, base, timestamp, key, care_of, home_address, src, dst, corrupt_checksum=False):
    """A Mobility Header: `fixed` bytes (up to the options, checksum zero),
    RFC 4285 options from `base`, the authenticator over care-of | home |
    MH through the SPI with the checksum zero (RFC 4285 5.1), then the
    RFC 6275 6.1.1 checksum over the pseudo-header src -> dst."""
    options, auth_at = bu_options(timestamp, key, base=base)
    mh = bytearray(fixed + options)
    mh[1] = len(mh) // 8 - 1
    if auth_at is not None:
        mac = key.authenticator(care_of, home_address, mh[: auth_at + 7])
        mh[auth_at + 7: auth_at + 7 + len(mac)] = mac
    checksum = mh_checksum(src, dst, mh)
    if corrupt_checksum:
        checksum ^= 0x0101
    mh[4:6] = struct.pack("!H", checksum)
    return bytes(mh)


def refresh_request(care_of, home_agent, home_address, timestamp, key):
    """RFC 6275 6.1.2 BRR from the Home Agent to the home address, with the
    options roam6 asks for (RFC 4285 6 replay protection with the HA's
    clock, MN-HA authentication over the care-of address): the inner packet,
    to be tunnelled to `care_of` (RFC 6275 6.1)."""
    fixed = struct.pack("!BBBBHH", 59, 0, 0, 0, 0, 0)
    mh = signed_mh(fixed, 8, timestamp, key, care_of, home_address, home_agent, home_address)
    return IPv6(src=home_agent, dst=home_address, hlim=64, nh=IPPROTO_MH) / Raw(mh)


def frame(dst_mac, src_mac, ipv6_packet):
    return raw(Ether(dst=dst_mac, src=src_mac, type=ETH_P_IPV6) / ipv6_packet)


# --------------------------------------------------------------------------
# Reading what mip6d sends, by hand from the bytes


def ones_complement_sum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def upper_layer_checksum_ok(src, dst, next_header, upper):
    """RFC 8200 8.1 pseudo-header + upper-layer bytes sum to 0xffff."""
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(upper), next_header)
    return ones_complement_sum(pseudo + bytes(upper)) == 0xFFFF


def addr(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def parse_ipv6_frame(f):
    """Ethernet + IPv6 + extension headers, walked by hand. A dict:
    eth_dst, eth_src, src, dst, hlim, plen, headers (list of (type, bytes)),
    upper (protocol), payload (upper-layer bytes); None if not IPv6."""
    if len(f) < 54 or struct.unpack("!H", f[12:14])[0] != ETH_P_IPV6:
        return None
    ip = f[14:]
    plen = struct.unpack("!H", ip[4:6])[0]
    out = {
        "eth_dst": ":".join("%02x" % b for b in f[0:6]),
        "eth_src": ":".join("%02x" % b for b in f[6:12]),
        "version": ip[0] >> 4,
        "plen": plen,
        "frame_payload": len(ip) - 40,
        "hlim": ip[7],
        "src": addr(ip[8:24]),
        "dst": addr(ip[24:40]),
        "headers": [],
    }
    nh = ip[6]
    at = 40
    end = 40 + plen
    while nh in (0, 43, 60) and at + 8 <= end:
        length = (ip[at + 1] + 1) * 8
        out["headers"].append((nh, bytes(ip[at:at + length])))
        nh = ip[at]
        at += length
    out["upper"] = nh
    out["payload"] = bytes(ip[at:end])
    return out


def walk_options(mh, start=BU_BASE):
    """(offset, type, data) for every mobility option, padding included."""
    out = []
    i = start
    while i < len(mh):
        t = mh[i]
        if t == 0:
            out.append((i, 0, b""))
            i += 1
            continue
        length = mh[i + 1]
        out.append((i, t, bytes(mh[i + 2:i + 2 + length])))
        i += 2 + length
    return out

"""The receive buffer of the sockets a private OVS reads its kernel ports
with, raised for as long as any of our OVS runs.

OVS's userspace datapath reads each kernel port (a guest's tap, the
datapath's veth) through an AF_PACKET socket it never sizes itself, so the
kernel gives it net.core.rmem_default when it opens: 208 KiB on Debian, about
230 small frames. A zero-loss hand-over releases a paused guest's held
packets at once (~230 at 1 kHz after a 230 ms TCG pause), and a TCG guest
that stalled under a migration echoes its backlog at once; both overflowed
that buffer and lost their tails with no counter of ours or OVS's seeing
them (seen 2026-12-06, libvirt zero-loss test: packet captures on both
sides of the switch). The value is machine-wide, not per namespace, and
read when a socket opens (a new port at every move), so it is raised before
the first OVS starts and put back when the last one stops; several runs at
once (ctest -j) share it through a file per holder under STATE, named as the
harness names what a run owns (r6it-<pid>-...), so holders that died are
let go by the next run. docs/testbed.md says why, and what an operator with
OVS's userspace datapath on kernel ports should set.
"""

import fcntl
import os

import harness

RMEM_DEFAULT = "/proc/sys/net/core/rmem_default"
WANTED = 4 * 1024 * 1024
STATE = "/run/roam6-ovs-rmem"  # a file per holder, "original": the value before the first


def _original():
    return os.path.join(STATE, "original")


def _read():
    with open(RMEM_DEFAULT) as f:
        return int(f.read())


def _write(value):
    with open(RMEM_DEFAULT, "w") as f:
        f.write("%d\n" % value)


class _Locked:
    def __enter__(self):
        os.makedirs(STATE, exist_ok=True)
        self.f = open(os.path.join(STATE, ".lock"), "w")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()
        return False


def _holders():
    return [n for n in os.listdir(STATE) if harness._owner_pid(n) is not None]


def _let_go_of_the_dead():
    for name in _holders():
        if not harness._pid_alive(harness._owner_pid(name)):
            os.unlink(os.path.join(STATE, name))


def _restore_if_unheld():
    if _holders() or not os.path.exists(_original()):
        return
    with open(_original()) as f:
        original = int(f.read())
    if _read() == WANTED:  # someone else set it since: theirs stays
        _write(original)
    os.unlink(_original())


def hold(name):
    """Raises rmem_default to WANTED (never lowers it) while `name` (the
    harness's r6it-<pid>-... form) holds it. Returns `name`."""
    if harness._owner_pid(name) is None:
        raise ValueError("a holder is named r6it-<pid>-..., not %r" % name)
    with _Locked():
        _let_go_of_the_dead()
        current = _read()
        if not os.path.exists(_original()):
            with open(_original(), "w") as f:
                f.write("%d\n" % current)
        if current < WANTED:
            _write(WANTED)
        open(os.path.join(STATE, name), "w").close()
    return name


def release(name):
    """Ends `name`'s hold; the last holder's release puts the value back."""
    with _Locked():
        try:
            os.unlink(os.path.join(STATE, name))
        except FileNotFoundError:
            pass
        _let_go_of_the_dead()
        _restore_if_unheld()


def release_the_dead():
    """For remove_leftovers: the holds of runs that are gone."""
    if not os.path.isdir(STATE):
        return
    with _Locked():
        _let_go_of_the_dead()
        _restore_if_unheld()

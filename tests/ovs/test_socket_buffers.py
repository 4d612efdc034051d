#!/usr/bin/env python3
"""tests/ovs/socket_buffers.py on a file standing for
/proc/sys/net/core/rmem_default and a private state directory: the value is
raised while anyone holds it, never lowered, put back by the last holder,
and the holds of runs that died are let go."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
import socket_buffers as sb  # noqa: E402

DEBIAN_DEFAULT = 212992


class SocketBuffers(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="%s-sb-" % harness.RUN)
        self.addCleanup(shutil.rmtree, self.dir)
        self.saved = (sb.RMEM_DEFAULT, sb.STATE)
        self.addCleanup(self.restore_module)
        sb.RMEM_DEFAULT = os.path.join(self.dir, "rmem_default")
        sb.STATE = os.path.join(self.dir, "state")
        self.set(DEBIAN_DEFAULT)

    def restore_module(self):
        sb.RMEM_DEFAULT, sb.STATE = self.saved

    def set(self, value):
        with open(sb.RMEM_DEFAULT, "w") as f:
            f.write("%d\n" % value)

    def value(self):
        with open(sb.RMEM_DEFAULT) as f:
            return int(f.read())

    def test_raised_while_held_and_put_back_by_the_last_holder(self):
        a = sb.hold("%s-a" % harness.RUN)
        self.assertEqual(self.value(), sb.WANTED)
        b = sb.hold("%s-b" % harness.RUN)
        sb.release(a)
        self.assertEqual(self.value(), sb.WANTED, "b still holds it")
        sb.release(b)
        self.assertEqual(self.value(), DEBIAN_DEFAULT)
        sb.release(b)  # twice: nothing more
        self.assertEqual(self.value(), DEBIAN_DEFAULT)

    def test_a_larger_value_is_never_lowered(self):
        self.set(2 * sb.WANTED)
        a = sb.hold("%s-a" % harness.RUN)
        self.assertEqual(self.value(), 2 * sb.WANTED)
        sb.release(a)
        self.assertEqual(self.value(), 2 * sb.WANTED)

    def test_a_value_someone_else_set_meanwhile_stays(self):
        a = sb.hold("%s-a" % harness.RUN)
        self.set(1000000)
        sb.release(a)
        self.assertEqual(self.value(), 1000000)

    def test_the_hold_of_a_run_that_died_is_let_go(self):
        dead = subprocess.Popen(["true"])
        dead.wait()
        sb.hold("%s%d-crashed" % (harness.PREFIX, dead.pid))
        self.assertEqual(self.value(), sb.WANTED)
        sb.release_the_dead()
        self.assertEqual(self.value(), DEBIAN_DEFAULT)

    def test_a_live_run_keeps_its_hold_when_the_dead_are_let_go(self):
        sb.hold("%s-a" % harness.RUN)
        sb.release_the_dead()
        self.assertEqual(self.value(), sb.WANTED)

    def test_a_holder_is_named_as_the_harness_names_what_a_run_owns(self):
        with self.assertRaises(ValueError):
            sb.hold("someone")
        self.assertEqual(self.value(), DEBIAN_DEFAULT)


if __name__ == "__main__":
    unittest.main(verbosity=2)

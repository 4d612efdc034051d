#!/usr/bin/env python3
"""roam6-plot on a run's output made here, probe by probe.

- one SVG and one PNG per guest and move, named move-<n>-<guest>;
- the title carries the report's figures, each drawn event is labelled,
  and every probe of the window is in the plot's data: sent, echoed (at
  its echo's time) and lost, exactly as the timeline says;
- events outside the window are left out; a directory that is not a run's
  output, or a move without its pause mark, is an error (exit 1) naming
  what is missing; a bad window is a usage error (exit 2).
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PLOT = os.path.join(HERE, "..", "..", "testbed", "roam6-plot")
PAUSE_NS = 5_000_000_000


def write_run(directory, lost=range(100, 130)):
    """A guest probed at 1 kHz around one move: probes 0-199, sent 1 ms
    apart from 100 ms before the pause; those in `lost` never answered;
    the others echoed 0.5 ms later, except those of the pause, whose echoes
    come back together when the guest resumes at +30 ms."""
    with open(os.path.join(directory, "timeline-vm1.csv"), "w") as f:
        f.write("sequence,sent_ns,received_ns,copies,reordered\n")
        for n in range(200):
            sent = PAUSE_NS - 100_000_000 + n * 1_000_000
            if n in lost:
                f.write("%d,%d,,0,0\n" % (n, sent))
                continue
            received = max(sent + 500_000, PAUSE_NS + 30_000_000) if sent >= PAUSE_NS else sent + 500_000
            f.write("%d,%d,%d,1,0\n" % (n, sent, received))
    with open(os.path.join(directory, "marks.jsonl"), "w") as f:
        for event, at_ms in (("migrate", -600), ("pause", 0), ("resume", 21), ("resume_event", 22), ("bound", 27)):
            f.write(json.dumps({"t_ns": PAUSE_NS + at_ms * 1_000_000, "move": "1", "event": event}) + "\n")
    report = {"vm1": {"moves": [{
        "move": "1", "route": "home-1 -> paris-1", "outage_ms": 31.0, "pause_ms": 21.0, "added_ms": 10.0,
        "lost": len(lost), "duplicated": 0,
        "events_ms": {"migrate": -600.0, "pause": 0.0, "resume": 21.0, "resume_event": 22.0, "bound": 27.0}}]}}
    with open(os.path.join(directory, "report.json"), "w") as f:
        json.dump(report, f)


def plot(*args):
    return subprocess.run([PLOT] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=120)


class Plot(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="roam6-plot-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_one_svg_and_png_per_move_with_every_probe_and_event(self):
        write_run(self.dir)
        proc = plot(self.dir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        stem = os.path.join(self.dir, "move-1-vm1")
        self.assertEqual(proc.stdout.split(), [stem + ".svg", stem + ".png"])
        with open(stem + ".png", "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        with open(stem + ".svg") as f:
            svg = f.read()
        title = ("vm1, move 1 (home-1 -> paris-1): outage 31.0 ms = guest's own pause 21.0 ms + roam6 10.0 ms;"
                 " 30 lost, 0 duplicated")
        self.assertTrue(title in svg, "no title %r" % title)
        for label in ("pause", "resume", "Resumed event", "BA at destination", "first probe back"):
            self.assertTrue(">%s<" % label in svg, "no event label %r" % label)
        self.assertFalse("migrate" in svg, "migrate is 600 ms before the pause: outside the window")

        # The data: the default window is 60 ms before to 140 ms after.
        with open(stem + ".dat") as f:
            sent, received, lost = [[line.split() for line in block.splitlines() if line]
                                    for block in f.read().split("\n\n\n")]
        in_window = [n for n in range(200) if -60 <= n - 100 <= 140]
        self.assertEqual([int(s) for _, s in sent], in_window)
        self.assertEqual([int(s) for _, s in lost], list(range(100, 130)))
        self.assertEqual([float(t) for t, _ in lost][:2], [0.0, 1.0])  # at their send times
        echoed = {int(s): float(t) for t, s in received}
        self.assertEqual(sorted(echoed), [n for n in in_window if not 100 <= n < 130])
        self.assertEqual(echoed[40], -59.5)
        self.assertEqual(echoed[130], 30.5)  # after the pause: back when the guest runs again

    def test_a_narrower_window_leaves_out_what_is_outside(self):
        write_run(self.dir)
        proc = plot(self.dir, "--before-ms", "0", "--after-ms", "25")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(os.path.join(self.dir, "move-1-vm1.svg")) as f:
            svg = f.read()
        self.assertTrue(">Resumed event<" in svg)
        self.assertFalse(">BA at destination<" in svg, "at +27 ms")
        self.assertFalse(">first probe back<" in svg, "at +30 ms")

    def test_what_is_not_a_run_is_an_error_naming_it(self):
        proc = plot(self.dir)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("not a roam6-testbed --out directory", proc.stderr)

        write_run(self.dir)
        with open(os.path.join(self.dir, "marks.jsonl"), "w") as f:
            f.write(json.dumps({"t_ns": 1, "move": "1", "event": "resume"}) + "\n")
        proc = plot(self.dir)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("move 1 of vm1 has no pause mark", proc.stderr)

        self.assertEqual(plot(self.dir, "--after-ms", "0").returncode, 2)


if __name__ == "__main__":
    unittest.main()

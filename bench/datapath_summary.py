#!/usr/bin/env python3
"""One table of the datapath's figures, from several rounds of datapath_bench.

    bench/datapath_summary.py [--bench PATH] [--rounds N] [--memory huge|no-huge|auto]
                              [--save FILE] [--check FILE]

Runs datapath_bench --seconds 1 ROUNDS times (uniform keys over 1, 1 000 and
1 000 000 bindings, then a Zipf-skewed mix (s = 0.99) at 1 000 000), each
round with dpdk-testpmd io and macswap on the same virtual devices, and
prints per scenario and size the median pipeline cycles per packet with
their spread (min-max over the rounds), the 1 M / 1 000 ratio, the
throughput as a fraction of testpmd macswap, and (uniform keys, with
datapath_bench --cores 2) how two forwarding cores scale against one.
About 3.5 minutes a round.

--memory huge (the default) runs every round on hugepages, which spread
far less on a VM than --no-huge: as root the script reserves what the bench needs
(1 024 pages of 2 MiB, as bench/run_datapath_bench.sh does) and gives
them back at the end.

--save FILE writes the medians and spreads; --check FILE compares with
such a file and exits 1 when a median grew by more than the noise either
run measured (the larger of the two spreads, and at least 5 %), so a
change to the hot path can be judged on this noisy machine without a
fixed threshold. Instruction counts, which do not move with the machine's
load, are bench/instructions_per_packet.sh's.
"""

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = re.compile(r"^(\S.*?) \(.*?\)\s+(\d+)\s+[\d.]+ Mpps\s+[\d.]+ cycles/pkt\s+([\d.]+) pipeline cycles/pkt"
                  r"(?:.*?([\d.]+) x macswap)?")
TWO_CORES = re.compile(r"^  on two cores\s+(\d+|-)\s+[\d.]+ Mpps\s+([\d.]+) x one core")
GENERATOR = re.compile(r"^generator only.*?([\d.]+) cycles/pkt")
TESTPMD = re.compile(r"^dpdk-testpmd (io-forward|macswap)\s+-\s+([\d.]+) Mpps\s+([\d.]+) cycles/pkt")


def run(bench, memory, extra):
    command = [bench, "--seconds", "1", "--memory", memory] + extra
    out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False).stdout
    figures = {}
    scenario = None
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            scenario = m.group(1)
            figures[(scenario, int(m.group(2)))] = [float(m.group(3)), float(m.group(4)) if m.group(4) else None, None]
        m = GENERATOR.match(line)
        if m:
            # The loop without a pipeline, once per scenario: the first of a
            # run, and its two-core line, stand for the machine itself.
            scenario = "generator (no pipeline)"
            figures.setdefault((scenario, 0), [float(m.group(1)), None, None])
        m = TWO_CORES.match(line)
        if m:
            key = (scenario, 0 if m.group(1) == "-" else int(m.group(1)))
            if key in figures and figures[key][2] is None:
                figures[key][2] = float(m.group(2))
        m = TESTPMD.match(line)
        if m:
            figures[("testpmd " + m.group(1), 0)] = [float(m.group(3)), None, None]
    if not figures:
        sys.exit("datapath_summary: no figures from %s:\n%s" % (" ".join(command), out))
    return figures


NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages"
MIB_NEEDED = 2048  # datapath_bench's hugepage_mb_needed (1 536 MiB) and some slack


def meminfo(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def hugepages_lent(memory):
    """For --memory huge: reserve what the bench needs beyond the free
    hugepages, and give it back whatever happens (a SIGTERM included)."""
    if memory != "huge":
        yield
        return
    page_kb = meminfo("Hugepagesize") or 2048
    pages_needed = -(-MIB_NEEDED * 1024 // page_kb)
    shortfall = pages_needed - meminfo("HugePages_Free")
    if shortfall <= 0:
        yield
        return
    with open(NR_HUGEPAGES) as f:
        before = int(f.read())
    previous_handler = signal.signal(signal.SIGTERM, lambda *_: sys.exit("datapath_summary: terminated"))
    try:
        try:
            with open(NR_HUGEPAGES, "w") as f:
                f.write(str(before + shortfall))
        except OSError as e:
            sys.exit("datapath_summary: --memory huge needs %d more hugepages, and root to reserve them (%s)"
                     % (shortfall, e))
        if meminfo("HugePages_Free") < pages_needed:
            sys.exit("datapath_summary: the kernel granted only %d of %d hugepages (memory fragmented?); "
                     "try --memory no-huge" % (meminfo("HugePages_Free"), pages_needed))
        yield
    finally:
        with open(NR_HUGEPAGES, "w") as f:
            f.write(str(before))
        signal.signal(signal.SIGTERM, previous_handler)


def collect(bench, memory, rounds):
    samples = {}
    for r in range(rounds):
        print("round %d of %d ..." % (r + 1, rounds), file=sys.stderr, flush=True)
        for label, extra in (("uniform", ["--bindings", "1,1000,1000000", "--cores", "2"]),
                             ("zipf", ["--bindings", "1000000", "--zipf", "0.99", "--no-testpmd"])):
            for (scenario, bindings), (cycles, macswap, scaling) in run(bench, memory, extra).items():
                key = "%s|%s|%d" % (scenario, label, bindings)
                samples.setdefault(key, {"cycles": [], "macswap": [], "scaling": []})
                samples[key]["cycles"].append(cycles)
                if macswap is not None:
                    samples[key]["macswap"].append(macswap)
                if scaling is not None:
                    samples[key]["scaling"].append(scaling)
    summary = {}
    for key, s in samples.items():
        c = s["cycles"]
        summary[key] = {"median": statistics.median(c), "min": min(c), "max": max(c),
                        "macswap": statistics.median(s["macswap"]) if s["macswap"] else None,
                        "two_cores": statistics.median(s["scaling"]) if s["scaling"] else None}
    return summary


def spread(entry):
    return (entry["max"] - entry["min"]) / entry["median"] if entry["median"] else 0.0


def print_table(summary):
    print("%-28s %-8s %9s %24s %12s %10s %10s" % ("scenario", "keys", "bindings", "pipeline cycles/pkt", "1M / 1000",
                                                 "x macswap", "2 cores"))
    for key in sorted(summary, key=lambda k: (k.split("|")[0], k.split("|")[1] != "uniform", int(k.split("|")[2]))):
        scenario, label, bindings = key.split("|")
        e = summary[key]
        ratio = ""
        if label == "uniform" and bindings == "1000000":
            small = summary.get("%s|uniform|1000" % scenario)
            if small:
                ratio = "%.2f" % (e["median"] / small["median"])
        print("%-28s %-8s %9s %24s %12s %10s %10s" % (
            scenario, label if not scenario.startswith("testpmd") else "-", bindings if bindings != "0" else "-",
            "%.1f (%.1f-%.1f)" % (e["median"], e["min"], e["max"]), ratio,
            "%.2f" % e["macswap"] if e["macswap"] is not None else "",
            "%.2f x" % e["two_cores"] if e.get("two_cores") is not None else ""))


def check(summary, baseline):
    worse = []
    for key, before in baseline.items():
        now = summary.get(key)
        if now is None or key.startswith(("testpmd", "generator")):
            continue
        noise = max(spread(before), spread(now), 0.05)
        if now["median"] > before["median"] * (1 + noise):
            worse.append("%s: %.1f -> %.1f cycles/pkt (+%.0f %%, noise %.0f %%)" % (
                key.replace("|", " "), before["median"], now["median"],
                100 * (now["median"] / before["median"] - 1), 100 * noise))
    for line in worse:
        print("REGRESSED " + line)
    return 1 if worse else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default=os.path.join(HERE, "..", "build", "release", "bench", "datapath_bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", default="huge", choices=["no-huge", "huge", "auto"])
    parser.add_argument("--save")
    parser.add_argument("--check")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    baseline = None
    if args.check:
        with open(args.check) as f:
            baseline = json.load(f)
    with hugepages_lent(args.memory):
        summary = collect(args.bench, args.memory, args.rounds)
    print_table(summary)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
    return check(summary, baseline) if baseline is not None else 0


if __name__ == "__main__":
    sys.exit(main())

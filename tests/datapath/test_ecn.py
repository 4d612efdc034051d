"""ECN across the tunnel exit (RFC 6040 section 4.2, Figure 4), host role.

Kept in its own module (ctest datapath_pcap_ecn) so that an ECN finding does
not hide the results of the other forwarding checks."""

import unittest

from replay import (DatapathTestCase, IPv6, Run, home_agent_settings, host_guests,
                    host_settings, raw)
from test_home_agent import TUNNELS, reverse_tunnelled
from test_host_forwarding import tunnelled_to_guest


class EcnAtDecapsulation(DatapathTestCase):
    """RFC 6040 section 4.2 (Figure 4): the outgoing inner ECN field from the
    arriving inner and outer ones. The DSCP bits stay the inner packet's."""

    NOT_ECT, ECT1, ECT0, CE = 0, 1, 2, 3

    def decapsulate(self, pairs):
        frames = []
        for n, (inner_ecn, outer_ecn) in enumerate(pairs):
            frame = tunnelled_to_guest(b"ecn %d" % n, tc=0xB8 | inner_ecn)
            frame[IPv6].tc = 0x28 | outer_ecn  # outer DSCP differs: must not leak in
            frames.append(frame)
        return frames, (Run(self, "host", host_settings(), guests=host_guests())
                        .input("uplink", frames).run())

    def test_ce_and_ect1_from_outer(self):
        cases = [  # (inner, outer) -> delivered inner ECN
            ((self.ECT0, self.CE), self.CE),
            ((self.ECT1, self.CE), self.CE),
            ((self.CE, self.NOT_ECT), self.CE),
            ((self.ECT0, self.NOT_ECT), self.ECT0),
            ((self.ECT0, self.ECT0), self.ECT0),
            ((self.NOT_ECT, self.NOT_ECT), self.NOT_ECT),
            ((self.ECT0, self.ECT1), self.ECT1),
        ]
        frames, outcome = self.decapsulate([pair for pair, _ in cases])
        self.assertEqual(len(outcome.guests), len(cases))
        for (pair, expected), sent, got in zip(cases, frames, outcome.guests):
            with self.subTest(inner=pair[0], outer=pair[1]):
                self.assertEqual(got[IPv6].tc >> 2, 0xB8 >> 2, "inner DSCP kept")
                self.assertEqual(got[IPv6].tc & 3, expected, "ECN field (RFC 6040 Figure 4)")
                rest = raw(got)[14:]
                self.assertEqual(rest[2:].hex(), raw(sent[IPv6].payload)[2:].hex(),
                                 "only the traffic class may change")

    def test_not_ect_inner_under_ce_outer_is_dropped(self):
        # Figure 4: a Not-ECT inner packet cannot carry the congestion mark,
        # so the decapsulator drops it rather than hide the congestion.
        _, outcome = self.decapsulate([(self.NOT_ECT, self.CE)])
        self.assertEqual(outcome.guests, [])
        self.assertNotIn("decapsulated", outcome.nonzero("uplink"))



class EcnAtHomeAgent(DatapathTestCase):
    """The same table at the Home Agent's exit of the reverse tunnel."""

    def test_figure_4_at_the_home_agent(self):
        cases = [((2, 3), 3), ((3, 0), 3), ((2, 1), 1)]  # (inner, outer) -> inner ECN
        frames = []
        for n, ((inner, outer), _) in enumerate(cases):
            frame = reverse_tunnelled(payload=b"ecn %d" % n)
            frame[IPv6].tc = outer
            frame[IPv6].payload.tc = 0x20 | inner
            frames.append(frame)
        dropped = reverse_tunnelled(payload=b"not-ect")
        dropped[IPv6].tc = 3
        dropped[IPv6].payload.tc = 0x20
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", frames + [dropped]).run())
        delivered = {bytes(p[IPv6].payload.payload)[-7:]: p[IPv6].tc for p in outcome.uplink}
        for n, ((inner, outer), expected) in enumerate(cases):
            with self.subTest(inner=inner, outer=outer):
                self.assertEqual(delivered.get((b"ecn %d" % n)[-7:]), 0x20 | expected)
        self.assertNotIn(b"not-ect", delivered, "Not-ECT inner under CE outer is dropped")


if __name__ == "__main__":
    unittest.main()

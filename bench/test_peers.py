"""Tests of bench/peers.py's rounds (python3 -m unittest discover -s bench)."""
import itertools
import unittest

import peers


def followers(sequence, tool):
    """The tools that ran right after `tool` in `sequence` (one run after
    another, rounds back to back)."""
    return [b for a, b in zip(sequence, sequence[1:]) if a == tool]


class Orders(unittest.TestCase):
    def test_no_tool_runs_right_after_datacompy_in_every_round(self):
        # bench/peers.sh's tools, in peers.py's order: polars' read,
        # DuckDB, datacompy, swimlane; three rounds, as the script runs.
        datacompy = 2
        rounds = peers.orders(4, 3)
        after = followers([t for order in rounds for t in order], datacompy)
        self.assertEqual(sorted(after), [0, 1, 3])

    def test_every_round_runs_every_tool_once(self):
        for count, rounds in itertools.product(range(1, 8), range(1, 10)):
            for order in peers.orders(count, rounds):
                self.assertEqual(sorted(order), list(range(count)))

    def test_each_tool_follows_each_other_once_in_as_many_rounds_as_tools(self):
        for count in (2, 4, 6, 8):
            pairs = [p for order in peers.orders(count, count) for p in zip(order, order[1:])]
            self.assertEqual(len(pairs), len(set(pairs)))
            self.assertEqual(len(pairs), count * (count - 1))


if __name__ == "__main__":
    unittest.main()

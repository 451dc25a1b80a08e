#!/usr/bin/env python3
"""Alternating rounds of a few commands: which of two binaries is faster
on a machine whose speed drifts by the minute.

    python3 bench/alternate.py ROUNDS -- "NAME=[VAR=VALUE ...] COMMAND ..." ...

Each round runs every command once, in the order given; the script then
prints per command the median and least wall time, the median user and
system CPU, and every round's wall time. Output is discarded; a command
that exits with a status other than 0 or 1 (swimlane's pass and
regression) stops the script.
"""
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def parse(spec):
    name, command = spec.split("=", 1)
    words = shlex.split(command)
    env = dict(os.environ)
    # Leading VAR=VALUE words set the command's environment.
    while words and "=" in words[0] and not words[0].startswith(("/", ".")):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    return name, words, env


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    seen = alternate(int(sys.argv[1]), [parse(s) for s in sys.argv[3:]])
    for name, runs in seen.items():
        walls = [r[0] for r in runs]
        print(
            f"{name:12s} wall median {statistics.median(walls):.3f} s, least {min(walls):.3f} s;"
            f" user {statistics.median(r[1] for r in runs):.2f} s,"
            f" system {statistics.median(r[2] for r in runs):.2f} s"
            f"  [{' '.join(f'{w:.2f}' for w in walls)}]"
        )


def alternate(rounds, commands):
    """Runs each (name, words, env) of `commands` once a round, in order,
    for `rounds` rounds; returns each name's (wall, user, system) seconds
    per round. Also imported by other bench scripts (bench/profile.sh)."""
    seen = {name: [] for name, _, _ in commands}
    for _ in range(rounds):
        for name, words, env in commands:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            p = subprocess.run(words, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode not in (0, 1):
                sys.exit(f"{name} failed ({p.returncode}):\n{p.stderr.decode(errors='replace')}")
            seen[name].append(
                (wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)
            )
    return seen


def peak_rss_mib(words):
    """One more run of `words`, for its peak resident memory in MiB (GNU
    time's). Imported by bench/paired.sh and bench/profile.sh."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + words, capture_output=True, text=True)
    return int(p.stderr.strip().splitlines()[-1]) / 1024


if __name__ == "__main__":
    main()

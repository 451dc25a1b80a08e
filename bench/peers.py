"""Driver of bench/peers.sh: times each tool on the same pairs of files.

Every tool runs in its own process under /usr/bin/time (wall seconds, peak
RSS) and prints the counts it found as one JSON line on stdout; the counts
of DuckDB, datacompy and swimlane must be identical. The rounds' orders
are rows of a balanced Latin square (`orders`): on the virtual machines
these figures come from, a process that runs right after one that freed
gigabytes (datacompy) first-touches its memory slower, so an order in which
one tool always came after datacompy charged that to it every time
(BENCHMARKS.md). Rounds that only started at the next tool kept the tools'
cycle, and with it the tool after datacompy: swimlane, in every round.

    python bench/peers.py SWIMLANE_BIN WORK_DIR RUNS ROWS [ROWS...]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

COLUMNS = ["country", "member", "title", "f1", "f2", "f3", "seconds", "rating", "count"]

# Each Python peer reads the pair with the reader of its format.
READ = """
import polars as pl
def read(path):
    return pl.read_csv(path) if path.endswith('.csv') else pl.read_parquet(path)
"""

FLOOR = READ + """
import sys
a = read(sys.argv[1]); b = read(sys.argv[2])
print('{"rows": [%d, %d]}' % (a.height, b.height))
"""

DUCKDB = """
import json, sys, duckdb
cols = sys.argv[3].split(',')
def scan(path):
    return f"read_csv('{path}')" if path.endswith('.csv') else f"read_parquet('{path}')"
per_column = ', '.join(
    f"count(*) FILTER (WHERE b.id IS NOT NULL AND h.id IS NOT NULL"
    f' AND b."{c}" IS DISTINCT FROM h."{c}") AS "{c}"' for c in cols)
row = duckdb.sql(f'''
  SELECT count(*) FILTER (WHERE h.id IS NULL) AS missing,
         count(*) FILTER (WHERE b.id IS NULL) AS extra, {per_column}
  FROM {scan(sys.argv[1])} b
  FULL OUTER JOIN {scan(sys.argv[2])} h ON b.id = h.id
''').fetchall()[0]
print(json.dumps({"missing": row[0], "extra": row[1],
                  "columns": dict(zip(cols, row[2:]))}))
"""

DATACOMPY = READ + """
import json, sys, datacompy
a = read(sys.argv[1]); b = read(sys.argv[2])
c = datacompy.PolarsCompare(a, b, join_columns=['id'])
columns = {s['column']: s['unequal_cnt'] for s in c.column_stats if s['column'] != 'id'}
print(json.dumps({"missing": c.df1_unq_rows.height, "extra": c.df2_unq_rows.height,
                  "columns": columns}))
"""


def orders(count, rounds):
    """Each round's order of `count` tools (their indices): the rows of a
    balanced Latin square (Williams' design), row r being the first row
    shifted by r. For an even count, within `count` consecutive rounds
    every tool runs right after every other tool in exactly one of them;
    so the tool that comes after datacompy differs from round to round.

    >>> orders(4, 4)
    [[0, 1, 3, 2], [1, 2, 0, 3], [2, 3, 1, 0], [3, 0, 2, 1]]
    """
    first, low, high = [0], 1, count - 1
    while len(first) < count:
        first.append(low)
        low += 1
        if len(first) < count:
            first.append(high)
            high -= 1
    return [[(t + r) % count for t in first] for r in range(rounds)]


def timed(cmd):
    """Runs cmd under /usr/bin/time: (wall s, peak RSS MiB, stdout)."""
    with tempfile.NamedTemporaryFile(mode="r") as t:
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", t.name] + cmd,
            capture_output=True,
            text=True,
        )
        wall, rss_kib = t.read().split()[-2:]
    return float(wall), int(rss_kib) / 1024, out


def swimlane_counts(report_path):
    t = json.load(open(report_path))["tables"][0]
    return {
        "missing": t["rows"]["missing"],
        "extra": t["rows"]["extra"],
        "columns": {c["name"]: c["mismatches"] for c in t["columns"]},
    }


def main():
    binary, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    python = sys.executable
    layouts = [("key order", "ordered.parquet"), ("shuffled", "shuffled.parquet"),
               ("shuffled CSV", "shuffled.csv")]
    for rows, (layout, suffix) in [(r, l) for r in sys.argv[4:] for l in layouts]:
        base = os.path.join(work, f"base-{rows}-{suffix}")
        head = os.path.join(work, f"head-{rows}-{suffix}")
        report = os.path.join(work, "swimlane.json")
        tools = {
            "polars read (floor)": [python, "-c", FLOOR, base, head],
            "DuckDB": [python, "-c", DUCKDB, base, head, ",".join(COLUMNS)],
            "datacompy (polars)": [python, "-c", DATACOMPY, base, head],
            "swimlane compare": [binary, "compare", base, head, "--key", "id",
                                 "-q", "--json", report],
        }
        times = {name: [] for name in tools}
        counts = {}
        listed = list(tools.items())
        for order in orders(len(listed), runs):
            for name, cmd in (listed[t] for t in order):
                wall, rss, out = timed(cmd)
                if name == "swimlane compare":
                    if out.returncode not in (0, 1):
                        sys.exit(f"swimlane failed: {out.stderr}")
                    found = swimlane_counts(report)
                elif out.returncode != 0:
                    sys.exit(f"{name} failed: {out.stderr}")
                else:
                    found = json.loads(out.stdout.strip().splitlines()[-1])
                if name != "polars read (floor)":
                    if counts.setdefault(name, found) != found:
                        sys.exit(f"{name} found different counts between runs")
                times[name].append((wall, rss))
        reference = counts["DuckDB"]
        for name, found in counts.items():
            if found != reference:
                sys.exit(f"counts differ at {rows} rows ({layout}):\n DuckDB {reference}\n {name} {found}")
        floor = statistics.median(w for w, _ in times["polars read (floor)"])
        print(f"\n{int(rows):,} rows, {layout}; counts agree: missing {reference['missing']}, "
              f"extra {reference['extra']}, changed {reference['columns']}")
        print("| tool | wall (median) | × floor | peak RSS (median) | runs |")
        print("|---|---:|---:|---:|---|")
        for name, samples in times.items():
            wall = statistics.median(w for w, _ in samples)
            rss = statistics.median(r for _, r in samples)
            each = ", ".join(f"{w:.2f}" for w, _ in samples)
            print(f"| {name} | {wall:.2f} s | {wall / floor:.2f} | {rss:,.0f} MiB | {each} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

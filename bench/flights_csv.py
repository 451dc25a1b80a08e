"""Writes a CSV pair shaped like nycflights13's `flights` (336,776 rows, 19
columns, ~34 MB each), deterministic, with the standard library only.

    python3 bench/flights_csv.py BASE.csv HEAD.csv [ROWS]

Columns as in flights, plus an `id` key: integers, floats with missing
values (cancelled flights have no dep_time, dep_delay, arr_time...), short
strings (carrier, origin, dest, tailnum) and a `time_hour` text timestamp.
HEAD differs from BASE as a migration might: 0.1% of arr_delay values
changed, 50 rows missing, 50 extra rows.
"""

import random
import sys

CARRIERS = ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US", "VX", "WN", "YV"]
ORIGINS = ["EWR", "JFK", "LGA"]
DESTS = ["ATL", "ORD", "LAX", "BOS", "MCO", "CLT", "SFO", "FLL", "MIA", "DCA", "DTW", "DFW", "RDU", "TPA", "DEN"]
HEADER = ("id,year,month,day,dep_time,sched_dep_time,dep_delay,arr_time,sched_arr_time,"
          "arr_delay,carrier,flight,tailnum,origin,dest,air_time,distance,hour,minute,time_hour")


def rows(n, seed):
    rnd = random.Random(seed)
    for i in range(n):
        month = 1 + i * 12 // n
        day = 1 + rnd.randrange(28)
        sched_dep = rnd.randrange(500, 2359)
        hour, minute = divmod(sched_dep, 100)
        cancelled = rnd.random() < 0.025
        dep_delay = rnd.randrange(-20, 180) if not cancelled else None
        dep_time = (sched_dep + (dep_delay or 0)) % 2400 if not cancelled else None
        sched_arr = (sched_dep + rnd.randrange(100, 600)) % 2400
        arr_delay = dep_delay + rnd.randrange(-30, 30) if not cancelled else None
        arr_time = (sched_arr + (arr_delay or 0)) % 2400 if not cancelled else None
        air_time = float(rnd.randrange(30, 600)) if not cancelled else None
        yield [
            i, 2013, month, day, dep_time, sched_dep, dep_delay, arr_time, sched_arr, arr_delay,
            rnd.choice(CARRIERS), rnd.randrange(1, 8500), "N%03d%s" % (rnd.randrange(1000), rnd.choice("ABCDEFUA")),
            rnd.choice(ORIGINS), rnd.choice(DESTS), air_time, float(rnd.randrange(80, 4983)),
            float(hour), float(minute), "2013-%02d-%02d %02d:00:00" % (month, day, hour),
        ]


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def main():
    base_path, head_path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 336_776
    all_rows = list(rows(n + 50, seed=13))
    base_rows, extra = all_rows[:n], all_rows[n:]
    rnd = random.Random(7)
    missing = set(rnd.sample(range(n), 50))
    changed = set(rnd.sample(range(n), n // 1000))
    with open(base_path, "w") as b, open(head_path, "w") as h:
        b.write(HEADER + "\n")
        h.write(HEADER + "\n")
        for i, r in enumerate(base_rows):
            b.write(",".join(map(fmt, r)) + "\n")
            if i in missing:
                continue
            if i in changed and r[9] is not None:
                r = list(r)
                r[9] += 1
            h.write(",".join(map(fmt, r)) + "\n")
        for r in extra:
            h.write(",".join(map(fmt, r)) + "\n")


if __name__ == "__main__":
    main()

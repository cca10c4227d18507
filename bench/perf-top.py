#!/usr/bin/env python3
"""Flat profile of a `perf record` file: share of samples per function, heaviest first.

Resolves JIT-compiled code through the /tmp/perf-<pid>.map files that .NET
(DOTNET_PerfMapEnabled=1) and Node (--perf-basic-prof) write. perf itself does not look there
for .NET code, which runs from a `memfd:doublemapper` mapping rather than anonymous memory.

    perf-top.py <perf.data> [count]
"""
import bisect
import collections
import subprocess
import sys


def load_map(pid, cache):
    if pid in cache:
        return cache[pid]
    entries = []
    try:
        with open(f"/tmp/perf-{pid}.map", encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 2)
                if len(parts) == 3:
                    try:
                        entries.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
                    except ValueError:
                        pass
    except OSError:
        pass
    entries.sort()
    cache[pid] = ([e[0] for e in entries], entries)
    return cache[pid]


def main():
    data = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "pid,ip,sym,dso", "-G"],
        capture_output=True, text=True, check=False).stdout
    maps = {}
    counter = collections.Counter()
    total = 0
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 2:
            continue
        try:
            pid = int(parts[0])
            ip = int(parts[1], 16)
        except ValueError:
            continue
        rest = parts[2] if len(parts) > 2 else ""
        total += 1
        name = rest
        if "doublemapper" in rest or rest.startswith("[unknown]") or "perf-" in rest:
            starts, entries = load_map(pid, maps)
            i = bisect.bisect_right(starts, ip) - 1
            if i >= 0 and ip < entries[i][0] + entries[i][1]:
                name = entries[i][2]
            else:
                name = "[no symbol] " + rest
        counter[name] += 1
    print(f"# {total} samples")
    for name, k in counter.most_common(count):
        print(f"{100.0 * k / max(total, 1):5.1f}%  {name[:200]}")


if __name__ == "__main__":
    main()

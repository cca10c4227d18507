#!/usr/bin/env python3
"""Profile of a `perf record -g` file: share of samples per function, heaviest first, twice:
flat (the function running when sampled) and inclusive (the function anywhere on the sampled
call chain, so a caller's share includes its callees').

Resolves JIT-compiled code through the /tmp/perf-<pid>.map files that .NET
(DOTNET_PerfMapEnabled=1) and Node (--perf-basic-prof) write. perf itself does not look there
for .NET code, which runs from a `memfd:doublemapper` mapping rather than anonymous memory.
Asynchronous .NET code is sampled per continuation: a chain reaches up to the state machine's
MoveNext that resumed it, not to the request that started it.

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


def resolve(pid, ip, rest, maps):
    if "doublemapper" in rest or rest.startswith("[unknown]") or "perf-" in rest:
        starts, entries = load_map(pid, maps)
        i = bisect.bisect_right(starts, ip) - 1
        if i >= 0 and ip < entries[i][0] + entries[i][1]:
            return entries[i][2]
        return "[no symbol] " + rest
    return rest


def samples(data, maps):
    """Yields (pid, [frame names, leaf first]) for every sample."""
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "pid,ip,sym,dso"],
        capture_output=True, text=True, check=False).stdout
    pid, frames = None, []
    for line in out.splitlines():
        if not line.strip():
            if pid is not None and frames:
                yield pid, frames
            pid, frames = None, []
            continue
        if not line.startswith("\t"):
            if pid is not None and frames:
                yield pid, frames
            try:
                pid, frames = int(line.split()[0]), []
            except (ValueError, IndexError):
                pid, frames = None, []
            continue
        parts = line.split(None, 1)
        try:
            ip = int(parts[0], 16)
        except (ValueError, IndexError):
            continue
        frames.append(resolve(pid, ip, parts[1] if len(parts) > 1 else "", maps))
    if pid is not None and frames:
        yield pid, frames


def main():
    data = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    maps = {}
    flat = collections.Counter()
    inclusive = collections.Counter()
    total = 0
    for _, frames in samples(data, maps):
        total += 1
        flat[frames[0]] += 1
        for name in set(frames):
            inclusive[name] += 1
    print(f"# {total} samples")
    print("# flat")
    for name, k in flat.most_common(count):
        print(f"{100.0 * k / max(total, 1):5.1f}%  {name[:200]}")
    print("# inclusive")
    for name, k in inclusive.most_common(count * 3):
        print(f"{100.0 * k / max(total, 1):5.1f}%  {name[:200]}")


if __name__ == "__main__":
    main()

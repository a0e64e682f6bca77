"""Reads a `wrk --latency` report: requests/s, p50 and p99 in ms, and non-2xx responses.
Shared by bench/api.sh and bench/processes.sh."""

import re


def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return rps, pct(50), pct(99), int(non2xx.group(1)) if non2xx else 0

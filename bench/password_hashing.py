"""What one sign-in costs: verifying an argon2id hash with argon2-cffi's defaults and with ours (OWASP's).

Run: .venv/bin/python -m bench.password_hashing [--repeat 10]
Prints a Markdown table: the parameters, median and worst verify time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from argon2 import PasswordHasher

from bench.gateway_overhead import print_table
from gateway.accounts import passwords

PASSWORD = "correct horse battery staple"


def timings_ms(hasher: PasswordHasher, repeat: int) -> list[float]:
    """Wall time of `repeat` verifications of one hash (what a sign-in spends on the password)."""
    stored = hasher.hash(PASSWORD)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        hasher.verify(stored, PASSWORD)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    ours = PasswordHasher(time_cost=passwords.TIME_COST, memory_cost=passwords.MEMORY_COST_KIB,
                          parallelism=passwords.PARALLELISM)
    rows = []
    for label, hasher in (("argon2-cffi default", PasswordHasher()), ("ours (OWASP)", ours)):
        ms = timings_ms(hasher, args.repeat)
        rows.append((label, f"m={hasher.memory_cost // 1024} MiB t={hasher.time_cost} p={hasher.parallelism}",
                     statistics.median(ms), max(ms)))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{args.repeat} verifications each")
    print_table(("hasher", "parameters", "median ms", "worst ms"), rows)


if __name__ == "__main__":
    main()

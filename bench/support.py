"""What the benchmarks share: a fresh PostgreSQL schema for one run (the tests' own), and the
figures of a conversation load (rate and latency percentiles)."""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """The tests' fresh PostgreSQL schema (tests/conftest.py), loaded here only: the processes
    a bench measures (a bot, an importer) do not carry the test harness."""
    from tests.conftest import fresh_postgres_schema

    with fresh_postgres_schema(base_url) as url:
        yield url


DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Throughput:
    """`messages` answered in `seconds`, with each message's latency in seconds."""

    messages: int
    seconds: float
    latencies: list[float]
    # The served process's CPU time during the load, when measured.
    cpu_seconds: float | None = field(default=None, kw_only=True)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def cpu_per_message(self) -> str:
        """ ", CPU 3.1 ms/message" (the served process's), or nothing when not measured."""
        if self.cpu_seconds is None:
            return ""
        return f", CPU {1000 * self.cpu_seconds / self.messages:4.1f} ms/message"

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000

    def figures(self) -> str:
        """ "12.40 s:    68.5 messages/s, p50  650.7 ms, p99 1066.4 ms"."""
        return (
            f"{self.seconds:6.2f} s: {self.rate:7.1f} messages/s, "
            f"p50 {self.percentile(50):6.1f} ms, p99 {self.percentile(99):6.1f} ms"
            f"{self.cpu_per_message()}"
        )


def cpu_seconds(pid: int) -> float:
    """The user + system CPU time a process (Linux) has used so far, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


__all__ = ["DEFAULT_DATABASE_URL", "Throughput", "cpu_seconds", "fresh_schema"]

"""Small measuring tools the bench shares: percentiles, topic end offsets, resident memory and CPU time of
processes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


async def end_offsets(bootstrap: str, topics: Iterable[str]) -> dict[str, int]:
    """Messages written to each topic so far (fresh topics and an idempotent, non-transactional producer)."""
    names = list(topics)
    # Subscribing without a group loads their metadata; nothing is fetched without getmany().
    consumer = AIOKafkaConsumer(*names, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        totals: dict[str, int] = {}
        for topic in names:
            known = sorted(consumer.partitions_for_topic(topic) or ())
            partitions = [TopicPartition(topic, p) for p in known]
            totals[topic] = sum((await consumer.end_offsets(partitions)).values()) if partitions else 0
        return totals
    finally:
        await consumer.stop()


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time the process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples VmRSS of named processes in a thread every `interval_s`; keeps the peak and the last value."""

    def __init__(self, pids: Mapping[str, int], interval_s: float = 0.25) -> None:
        self._pids = dict(pids)
        self._interval = interval_s
        self.peak_kib: dict[str, int] = dict.fromkeys(self._pids, 0)
        self.idle_kib: dict[str, int] = {name: rss_kib(pid) or 0 for name, pid in self._pids.items()}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self._pids.items():
                value = rss_kib(pid)
                if value is not None and value > self.peak_kib[name]:
                    self.peak_kib[name] = value
            time.sleep(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

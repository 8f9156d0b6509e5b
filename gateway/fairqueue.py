"""Start-time fair queueing (SFQ): whoever has had the least weighted service recently goes next.

Each entry gets a start tag `max(virtual time, its flow's last finish tag)` and a finish tag
`start + cost / weight`; the smallest start tag leaves first and the virtual time follows the start
tags of what left. A flow that was idle starts at the current virtual time (no credit saved up), a
flow with a backlog has tags far ahead, so a newcomer overtakes that backlog after at most one entry
of each other busy flow. Work-conserving: an entry never waits while nothing else is queued.

A flow is a key today. A second level (users on a shared key) fits without changing this class:
the key's entry in the outer queue stands for the key, and an inner FairQueue per key orders its users.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(order=True)
class Entry(Generic[T]):
    """One queued item with its tags; `order` compares (start, seq) only."""

    start: float
    seq: int
    finish: float = field(compare=False)
    flow: str = field(compare=False)
    item: T = field(compare=False)
    removed: bool = field(default=False, compare=False)


class FairQueue(Generic[T]):
    """A weighted fair queue of items in flows; removal is O(1) (entries are dropped lazily)."""

    def __init__(self) -> None:
        self._heap: list[Entry[T]] = []
        self._finish: dict[str, float] = {}
        self._queued: dict[str, int] = {}
        self._seq = itertools.count()
        self.vtime = 0.0

    def __len__(self) -> int:
        return sum(self._queued.values())

    def queued(self, flow: str) -> int:
        return self._queued.get(flow, 0)

    def flows(self) -> dict[str, int]:
        """Queued entries per flow."""
        return dict(self._queued)

    def _tag(self, flow: str, item: T, weight: float, cost: float) -> Entry[T]:
        start = max(self.vtime, self._finish.get(flow, 0.0))
        entry = Entry(start, next(self._seq), start + cost / max(weight, 1e-9), flow, item)
        self._finish[flow] = entry.finish
        return entry

    def charge(self, flow: str, item: T, weight: float = 1.0, cost: float = 1.0) -> None:
        """Count service that started without queueing (a free slot, nobody waiting): it still counts."""
        self.started(self._tag(flow, item, weight, cost))

    def push(self, flow: str, item: T, weight: float = 1.0, cost: float = 1.0) -> Entry[T]:
        entry = self._tag(flow, item, weight, cost)
        self._queued[flow] = self._queued.get(flow, 0) + 1
        heapq.heappush(self._heap, entry)
        return entry

    def pop(self) -> Entry[T] | None:
        """The entry with the smallest start tag (not yet counted as started: see `started`)."""
        while self._heap:
            entry = heapq.heappop(self._heap)
            if not entry.removed:
                entry.removed = True  # out of the queue now; a later remove() is a no-op
                self._count(entry.flow, -1)
                return entry
        return None

    def started(self, entry: Entry[T]) -> None:
        """`entry` got its turn: virtual time moves to its start tag."""
        self.vtime = max(self.vtime, entry.start)
        if len(self._finish) > 4096:  # forget idle flows whose tags are in the past
            self._finish = {f: t for f, t in self._finish.items() if t > self.vtime or f in self._queued}

    def restore(self, entry: Entry[T]) -> None:
        """Put back an entry `pop` returned that could not start; it keeps its place."""
        entry.removed = False
        self._count(entry.flow, 1)
        heapq.heappush(self._heap, entry)

    def remove(self, entry: Entry[T]) -> None:
        """Take a waiting entry out (its client left or gave up); its flow is not charged for it."""
        if entry.removed:
            return
        entry.removed = True
        self._count(entry.flow, -1)
        if self._finish.get(entry.flow) == entry.finish:
            self._finish[entry.flow] = entry.start

    def _count(self, flow: str, delta: int) -> None:
        left = self._queued.get(flow, 0) + delta
        if left > 0:
            self._queued[flow] = left
        else:
            self._queued.pop(flow, None)

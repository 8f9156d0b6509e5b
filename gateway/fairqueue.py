"""Start-time fair queueing (SFQ): whoever has had the least weighted service recently goes next.

Each entry gets a start tag `max(virtual time, its flow's last finish tag)` and a finish tag
`start + cost / weight`; the smallest start tag leaves first and the virtual time follows the start
tags of what left. A flow that was idle starts at the current virtual time (no credit saved up), a
flow with a backlog has tags far ahead, so a newcomer overtakes that backlog after at most one entry
of each other busy flow. Work-conserving: an entry never waits while nothing else is queued.

A flow is a key. `UserFairQueue` adds a second level for the users of a key that vouches for them.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")


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
        add_count(self._queued, flow, 1)
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
        add_count(self._queued, flow, delta)


@dataclass
class Turn(Generic[T]):
    """A waiter's place in a `UserFairQueue`: its entry in its key's inner queue and, once popped, the
    key's outer entry it starts with."""

    flow: str
    inner: Entry[T]
    outer: Entry[None] | None = None

    @property
    def item(self) -> T:
        return self.inner.item


class UserFairQueue(Generic[T]):
    """Two levels of fair queueing: keys share the slots by weight (the outer queue, one entry per waiter,
    exactly as a plain FairQueue of keys), and within a key its users share the key's turns equally (an
    inner FairQueue per key whose flows are users).

    Why two levels rather than flows per (key, user): a key's share then stays the key's, whatever number
    of users it names, and a user with many streams waits behind one request of each other user of the
    same key, not behind all of their own. Outer entries of one key are interchangeable tokens: popping
    the key's smallest token gives its turn to the inner queue's fairest user; a waiter that leaves
    returns the key's latest token, so the key's finish tag moves back as in `FairQueue.remove`. A key
    that names no users has the one inner flow "": first come, first served within the key, as before.
    """

    def __init__(self) -> None:
        self._outer: FairQueue[None] = FairQueue()
        self._inner: dict[str, FairQueue[T]] = {}
        self._tokens: dict[str, list[Entry[None]]] = {}  # the queued outer entries of each key

    def __len__(self) -> int:
        return len(self._outer)

    def queued(self, flow: str) -> int:
        return self._outer.queued(flow)

    def flows(self) -> dict[str, int]:
        """Queued entries per key."""
        return self._outer.flows()

    def users(self) -> dict[str, dict[str, int]]:
        """Queued entries per key, per user ("" for entries that named none)."""
        users = {flow: inner.flows() for flow, inner in self._inner.items()}
        return {flow: counts for flow, counts in users.items() if counts}

    def _users(self, flow: str) -> FairQueue[T]:
        return self._inner.setdefault(flow, FairQueue())

    def charge(self, flow: str, item: T, weight: float = 1.0, cost: float = 1.0, user: str = "") -> None:
        """Count service that started without queueing, for the key and for its user."""
        self._outer.charge(flow, None, weight, cost)
        self._users(flow).charge(user, item, 1.0, cost)

    def push(self, flow: str, item: T, weight: float = 1.0, cost: float = 1.0, user: str = "") -> Turn[T]:
        self._tokens.setdefault(flow, []).append(self._outer.push(flow, None, weight, cost))
        return Turn(flow, self._users(flow).push(user, item, 1.0, cost))

    def pop(self) -> Turn[T] | None:
        """The fairest key's fairest user's entry (not yet counted as started: see `started`)."""
        token = self._outer.pop()
        if token is None:
            return None
        self._untoken(token)
        inner = self._inner[token.flow].pop()
        assert inner is not None  # a key has as many tokens queued as its users have entries
        return Turn(token.flow, inner, token)

    def started(self, turn: Turn[T]) -> None:
        assert turn.outer is not None
        self._outer.started(turn.outer)
        self._inner[turn.flow].started(turn.inner)

    def restore(self, turn: Turn[T]) -> None:
        """Put back a turn `pop` returned that could not start; both its entries keep their places."""
        assert turn.outer is not None
        self._outer.restore(turn.outer)
        self._tokens.setdefault(turn.flow, []).append(turn.outer)
        self._inner[turn.flow].restore(turn.inner)

    def remove(self, turn: Turn[T]) -> None:
        """Take a waiting entry out; neither its key nor its user is charged for it."""
        if turn.inner.removed:
            return
        self._inner[turn.flow].remove(turn.inner)
        latest = max(self._tokens[turn.flow], key=lambda e: (e.start, e.seq))
        self._untoken(latest)
        self._outer.remove(latest)

    def _untoken(self, token: Entry[None]) -> None:
        tokens = self._tokens[token.flow]
        tokens.remove(token)
        if not tokens:
            del self._tokens[token.flow]


def add_count(counts: dict[K, int], name: K, delta: int) -> int:
    """Add `delta` to a count kept only while positive; returns the count after."""
    left = counts.get(name, 0) + delta
    if left > 0:
        counts[name] = left
    else:
        counts.pop(name, None)
    return left

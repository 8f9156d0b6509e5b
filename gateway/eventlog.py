"""The local event log: fsynced segment files (group commit), owned by one process each, replayed after a crash.

Each process appends batches to its own segment files `events-<owner>-<n>.jsonl` and holds an flock on
`owner-<owner>.lock` for its whole life. The kernel drops that lock when the process dies, however it
dies (SIGKILL included), so a segment whose owner's lock can be taken belongs to nobody and is replayed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("gateway.events")

Row = dict[str, Any]


@dataclass
class Segment:
    """One log file and, while memory allows, a copy of its rows (None: read them from the file)."""

    path: Path
    rows: list[Row] | None

    def read(self) -> list[Row]:
        if self.rows is not None:
            return self.rows
        return read_rows(self.path)


def read_rows(path: Path) -> list[Row]:
    """The rows of a segment file; a line torn by a crash mid-write carries no complete event and is skipped."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # replayed and removed meanwhile by another process
        return []
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            log.error("skipping an unreadable event log line in %s: %r", path.name, line[:200])
    return rows


def _owner_of(path: Path) -> str:
    """`events-<pid>-<token>-<n>.jsonl` -> `<pid>-<token>`."""
    return path.name[len("events-"):].rsplit("-", 1)[0]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EventLog:
    """Append rows durably (one write and one fsync per batch); seal, list and forget segments once stored."""

    def __init__(self, directory: Path, memory_limit: int) -> None:
        self.directory = directory
        self._owner = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._memory_limit = memory_limit
        self._mutex = threading.Lock()
        self._lock_file: IO[str] | None = None
        self._current: Segment | None = None
        self._current_fh: IO[str] | None = None
        self._sealed: list[Segment] = []
        self._next = 0

    def append(self, rows: list[Row]) -> None:
        """Make `rows` durable: on disk and fsynced when this returns (blocking: call it off the event loop)."""
        data = "".join(json.dumps(row) + "\n" for row in rows)
        with self._mutex:
            if self._current is None or self._current_fh is None:
                self._open_segment()
            assert self._current is not None and self._current_fh is not None
            self._current_fh.write(data)
            self._current_fh.flush()
            os.fsync(self._current_fh.fileno())
            if self._current.rows is not None:
                self._current.rows.extend(rows)
            self._trim_memory()

    def seal(self) -> list[Segment]:
        """Close the segment being appended to; every sealed segment of this process, oldest first."""
        with self._mutex:
            if self._current is not None and self._current_fh is not None:
                self._current_fh.close()
                self._sealed.append(self._current)
                self._current, self._current_fh = None, None
            return list(self._sealed)

    def stored(self, segment: Segment) -> None:
        """The rows of `segment` are in the database: the file goes (a crash before this only replays them)."""
        with contextlib.suppress(FileNotFoundError):
            segment.path.unlink()
        with self._mutex:
            if segment in self._sealed:
                self._sealed.remove(segment)

    def unstored_rows(self) -> Iterator[Row]:
        """Rows of this process not yet in the database, as far as memory keeps them."""
        with self._mutex:
            segments = [*self._sealed, *([self._current] if self._current else [])]
        for segment in segments:
            yield from segment.rows or ()

    def unstored_count(self) -> int:
        with self._mutex:
            return len(self._sealed) + (1 if self._current else 0)

    @contextlib.contextmanager
    def orphans(self) -> Iterator[list[Segment]]:
        """Segments of processes that are gone, with their owners' locks held until the block ends."""
        held: list[tuple[IO[str], Path]] = []
        found: list[Segment] = []
        try:
            if self.directory.exists():
                # Segments are listed before locks: an owner creates its lock file before its first segment.
                segments = sorted(self.directory.glob("events-*.jsonl"))
                owners = {p.name[len("owner-"):-len(".lock")]: p for p in self.directory.glob("owner-*.lock")}
                gone: set[str] = set()
                for owner, lock_path in owners.items():
                    if owner == self._owner:
                        continue
                    fh: IO[str] = lock_path.open("a")
                    try:
                        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:  # its owner is alive
                        fh.close()
                        continue
                    held.append((fh, lock_path))
                    gone.add(owner)
                for path in segments:
                    owner = _owner_of(path)
                    # No lock file at all (an older spool format, a removed lock) means no owner either.
                    if owner in gone or owner not in owners:
                        found.append(Segment(path, None))
            yield found
        finally:
            for fh, lock_path in held:
                if not any(self.directory.glob(f"events-{lock_path.name[len('owner-'):-len('.lock')]}-*.jsonl")):
                    with contextlib.suppress(FileNotFoundError):
                        lock_path.unlink()
                fh.close()

    def close(self) -> None:
        """Close the open segment and give up ownership; what is still unstored stays for the next process."""
        with self._mutex:
            if self._current_fh is not None and self._current is not None:
                self._current_fh.close()
                self._sealed.append(self._current)
                self._current, self._current_fh = None, None
            if self._lock_file is not None:
                if not any(s.path.exists() for s in self._sealed):
                    with contextlib.suppress(FileNotFoundError):
                        (self.directory / f"owner-{self._owner}.lock").unlink()
                self._lock_file.close()
                self._lock_file = None

    def _open_segment(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._lock_file is None:
            self._lock_file = (self.directory / f"owner-{self._owner}.lock").open("a")
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._next += 1
        path = self.directory / f"events-{self._owner}-{self._next:06d}.jsonl"
        self._current_fh = path.open("a", encoding="utf-8")
        self._current = Segment(path, [])
        _fsync_dir(self.directory)  # the new file's name survives a crash of the machine too

    def _trim_memory(self) -> None:
        """Keep at most `memory_limit` rows in memory; older segments are read back from their files."""
        kept = 0
        for segment in reversed([*self._sealed, *([self._current] if self._current else [])]):
            if segment.rows is None:
                continue
            kept += len(segment.rows)
            if kept > self._memory_limit and segment is not self._current:
                segment.rows = None

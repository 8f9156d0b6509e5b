"""Sign-in throttling: too many failed attempts for one account or from one address lock it out
for a while. Held in the process that checks passwords (the one chat backend)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_S = 15 * 60
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20
# Every wrong password is answered this late, so guessing is slow even below the limits.
FAIL_DELAY_S = 1.0


@dataclass
class SignInThrottle:
    """Failed attempts per account name and per client address within a sliding window."""

    window_s: float = WINDOW_S
    max_per_account: int = MAX_PER_ACCOUNT
    max_per_address: int = MAX_PER_ADDRESS
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def wait_s(self, account: str, address: str) -> int:
        """Seconds until this account may try again from this address; 0 = it may try now."""
        now = self.clock()
        waits = [self._wait(f"a:{account.lower()}", self.max_per_account, now),
                 self._wait(f"i:{address}", self.max_per_address, now)]
        return max(waits)

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        for key in (f"a:{account.lower()}", f"i:{address}"):
            self._failures.setdefault(key, deque()).append(now)

    def attempted(self, address: str) -> None:
        """Count a sign-up against the address only: one address cannot make accounts without end, and
        nobody locks a person's sign-in by signing up under their name."""
        self._failures.setdefault(f"i:{address}", deque()).append(self.clock())

    def succeeded(self, account: str) -> None:
        """A right password clears the account's failures (not the address's)."""
        self._failures.pop(f"a:{account.lower()}", None)

    def _wait(self, key: str, limit: int, now: float) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        if len(times) < limit:
            return 0
        return max(1, int(times[-limit] + self.window_s - now + 0.999))

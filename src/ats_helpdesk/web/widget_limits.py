"""Web edge, the public widget's rate limits: token buckets per client address, in memory.

Why a token bucket: a visitor typing questions makes a few requests in a row and
then none for a while; a bucket lets that burst through (``burst`` tokens) while a
script hammering the API is held to the sustained ``rate`` and is told exactly when
to come back (``Retry-After``). Kept in memory, like the staff login limit: one web
process counts on its own, and a restart forgets (good enough for a FAQ widget; a
reverse proxy can add a shared limit in front).

The table of buckets is bounded: when it grows past ``max_clients`` the buckets that
have refilled completely (clients gone quiet) are dropped, so a flood of spoofed or
rotating addresses cannot exhaust memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class TokenBuckets:
    """``capacity`` tokens per key, refilled at ``per_second``; one request takes one token.

    ``per_second <= 0`` turns the limit off (every request passes).
    """

    capacity: float
    per_second: float
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def enabled(self) -> bool:
        return self.per_second > 0 and self.capacity > 0

    def take(self, key: str, cost: float = 1.0) -> int:
        """Take ``cost`` tokens for ``key``: 0 when allowed, else whole seconds to wait."""
        if not self.enabled:
            return 0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._prune(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.per_second)
                bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0
            return max(1, math.ceil((cost - bucket.tokens) / self.per_second))

    def _prune(self, now: float) -> None:
        """Drop full buckets (quiet clients); if none is full, drop the oldest half."""
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.per_second >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_clients:
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k].updated)
            for key in oldest[: len(oldest) // 2 + 1]:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass(frozen=True)
class WidgetLimits:
    """The widget API's two limits: every call, and hand-overs (each opens a case and
    emails the address given, so they are held much tighter)."""

    requests: TokenBuckets
    handoffs: TokenBuckets

    @classmethod
    def from_rates(
        cls,
        *,
        per_minute: float,
        burst: int,
        handoffs_per_hour: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> WidgetLimits:
        return cls(
            requests=TokenBuckets(capacity=burst, per_second=per_minute / 60, clock=clock),
            handoffs=TokenBuckets(
                capacity=handoffs_per_hour, per_second=handoffs_per_hour / 3600, clock=clock
            ),
        )

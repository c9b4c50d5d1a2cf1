"""Per-identity rate limits with the `limits` library, in memory or shared through Redis.

Redis failure policy (RATE_LIMIT_FAIL_MODE): every Redis call is bounded by
REDIS_TIMEOUT_SECONDS. On a failure the limiter stops asking Redis for a few seconds and
either keeps limiting with this replica's in-memory counters (`open`, the default: requests keep
flowing, each replica enforces the budget on its own) or refuses with 503 (`closed`).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Literal

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import ConnectionPool

from app.errors import RateLimited, ServiceUnavailable

log = structlog.get_logger("app.rate_limit")
REDIS_RETRY_AFTER_FAILURE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    limit: int
    remaining: int
    reset_after: float  # seconds until the window frees capacity

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_after))

    def header_pairs(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.retry_after).encode()),
        ]

    def headers(self) -> dict[str, str]:
        return {key.decode(): value.decode() for key, value in self.header_pairs()}


class RateLimiter:
    def __init__(
        self,
        rate: str,
        *,
        redis_pool: ConnectionPool | None = None,
        redis_url: str | None = None,
        timeout_seconds: float = 0.25,
        fail_mode: Literal["open", "closed"] = "open",
        key_prefix: str = "orchestrator:ratelimit",
    ) -> None:
        self.items: list[RateLimitItem] = parse_many(rate)
        self.timeout_seconds = timeout_seconds
        self.fail_mode = fail_mode
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._shared: SlidingWindowCounterRateLimiter | None = None
        if redis_pool is not None and redis_url is not None:
            storage = RedisStorage(
                _limits_uri(redis_url),
                implementation="redispy",
                key_prefix=key_prefix,
                connection_pool=redis_pool,  # type: ignore[arg-type]
            )
            self._shared = SlidingWindowCounterRateLimiter(storage)
        self._redis_down_until = 0.0

    @property
    def shared(self) -> bool:
        return self._shared is not None

    async def check(self, identity: str) -> RateLimitStatus:
        """Count one request for `identity`; raise RateLimited (429) when over any limit."""
        allowed, status = await self._count(identity)
        if not allowed:
            raise RateLimited(
                details={"limit": status.limit, "retry_after_seconds": status.retry_after},
                headers={"Retry-After": str(status.retry_after), **status.headers()},
            )
        return status

    async def _count(self, identity: str) -> tuple[bool, RateLimitStatus]:
        shared = self._shared
        if shared is not None and time.monotonic() >= self._redis_down_until:
            try:
                return await asyncio.wait_for(self._hit_all(shared, identity), self.timeout_seconds)
            except Exception as exc:  # timeouts, refused connections, protocol errors alike
                self._mark_redis_down(exc)
        if shared is not None and self.fail_mode == "closed":
            raise ServiceUnavailable(
                "The shared rate limiter is unreachable; retry shortly.",
                headers={"Retry-After": str(int(REDIS_RETRY_AFTER_FAILURE_SECONDS))},
            )
        return await self._hit_all(self._local, identity)

    async def _hit_all(
        self, limiter: SlidingWindowCounterRateLimiter, identity: str
    ) -> tuple[bool, RateLimitStatus]:
        """Hit each limit in turn, stopping at the first refusal so a refused request spends
        nothing more; report the tightest window for the headers."""
        tightest: RateLimitStatus | None = None
        now = time.time()
        for item in self.items:
            allowed = await limiter.hit(item, identity)
            stats = await limiter.get_window_stats(item, identity)
            status = RateLimitStatus(
                limit=item.amount,
                remaining=max(0, stats.remaining),
                reset_after=max(0.0, stats.reset_time - now),
            )
            if not allowed:
                return False, status
            if tightest is None or status.remaining < tightest.remaining:
                tightest = status
        assert tightest is not None  # noqa: S101 - parse_many never returns an empty list
        return True, tightest

    def _mark_redis_down(self, exc: BaseException) -> None:
        if time.monotonic() >= self._redis_down_until:
            log.warning(
                "rate_limit_redis_unavailable",
                error=type(exc).__name__,
                fail_mode=self.fail_mode,
                retry_in_seconds=REDIS_RETRY_AFTER_FAILURE_SECONDS,
            )
        self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_FAILURE_SECONDS


def _limits_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url

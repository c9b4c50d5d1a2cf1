"""Redis pub/sub bus, so an event published on one replica reaches subscribers on every other.

One connection listens for this process (pattern subscriptions are not needed: channels are
subscribed as local subscribers appear); messages fan out to local queues."""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from app.bus.base import Message
from app.bus.memory import MemoryBus, MemorySubscription
from app.observability.metrics import BUS_PUBLISHED, labelled

log = structlog.get_logger("app.bus.redis")
PREFIX = "orchestrator:bus:"


class RedisBus:
    name = "redis"

    def __init__(self, redis: Redis, *, publish_timeout: float = 1.0) -> None:
        self.redis = redis
        self.publish_timeout = publish_timeout
        self._local = MemoryBus()
        self._local.name = "redis"  # deliveries from Redis count under the redis bus
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.published = 0

    async def publish(self, topic: str, message: Message) -> None:
        payload = json.dumps(message, default=str)
        await asyncio.wait_for(self.redis.publish(PREFIX + topic, payload), self.publish_timeout)
        self.published += 1
        labelled(BUS_PUBLISHED, self.name).inc()

    async def subscribe(self, topic: str) -> MemorySubscription:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            await asyncio.wait_for(self._pubsub.subscribe(PREFIX + topic), self.publish_timeout * 2)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")
        return await self._local.subscribe(topic, on_close=self._maybe_unsubscribe)

    async def _maybe_unsubscribe(self, topic: str) -> None:
        async with self._lock:
            if self._pubsub is not None and not self._local.has_subscribers(topic):
                with suppress(Exception):
                    await asyncio.wait_for(self._pubsub.unsubscribe(PREFIX + topic), self.publish_timeout)

    async def _read(self) -> None:
        assert self._pubsub is not None  # noqa: S101
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a dropped connection: keep trying, subscriptions resume
                log.warning("redis_bus_read_failed", error=type(exc).__name__)
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.05)
                continue
            channel = (
                message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
            )
            try:
                data = json.loads(message["data"])
            except (TypeError, ValueError):
                continue
            self._local.deliver(channel.removeprefix(PREFIX), data)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._local.close()

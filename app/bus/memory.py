"""In-process bus: one bounded queue per subscriber; a slow subscriber loses its oldest messages,
never blocks the publisher."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

from app.bus.base import Message
from app.observability.metrics import BUS_DELIVERED, BUS_PUBLISHED, labelled

QUEUE_SIZE = 1000


class MemorySubscription:
    def __init__(
        self, bus: MemoryBus, topic: str, on_close: Callable[[str], Awaitable[None]] | None = None
    ) -> None:
        self.bus = bus
        self.topic = topic
        self.on_close = on_close
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self.closed = False

    def deliver(self, message: Message) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(message)

    async def get(self, timeout: float | None = None) -> Message | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    async def __aiter__(self) -> AsyncIterator[Message]:
        while not self.closed:
            yield await self.queue.get()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.bus.remove(self)
        if self.on_close is not None:
            await self.on_close(self.topic)


class MemoryBus:
    name = "memory"

    def __init__(self) -> None:
        self._subscribers: dict[str, set[MemorySubscription]] = defaultdict(set)
        self.published = 0
        self.delivered = 0

    async def publish(self, topic: str, message: Message) -> None:
        self.published += 1
        labelled(BUS_PUBLISHED, self.name).inc()
        self.deliver(topic, message)

    def deliver(self, topic: str, message: Message) -> None:
        """Hand a message to this process's subscribers of `topic`."""
        for subscription in list(self._subscribers.get(topic, ())):
            subscription.deliver(message)
            self.delivered += 1
            labelled(BUS_DELIVERED, self.name).inc()

    async def subscribe(
        self, topic: str, on_close: Callable[[str], Awaitable[None]] | None = None
    ) -> MemorySubscription:
        subscription = MemorySubscription(self, topic, on_close)
        self._subscribers[topic].add(subscription)
        return subscription

    def has_subscribers(self, topic: str) -> bool:
        return bool(self._subscribers.get(topic))

    def remove(self, subscription: MemorySubscription) -> None:
        subscribers = self._subscribers.get(subscription.topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.topic]

    async def close(self) -> None:
        self._subscribers.clear()

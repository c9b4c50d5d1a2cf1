"""The message bus: in-process and through real Redis, publish, subscribe, unsubscribe."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from app.bus.memory import MemoryBus
from app.bus.redis import RedisBus


async def test_memory_bus_delivers_in_order_to_every_subscriber_until_unsubscribed() -> None:
    bus = MemoryBus()
    first, second = await bus.subscribe("t"), await bus.subscribe("t")
    other = await bus.subscribe("elsewhere")
    for n in range(3):
        await bus.publish("t", {"n": n})
    assert [(await first.get(1))["n"] for _ in range(3)] == [0, 1, 2]  # type: ignore[index]
    assert [(await second.get(1))["n"] for _ in range(3)] == [0, 1, 2]  # type: ignore[index]
    assert await other.get(0.05) is None
    await first.close()
    await bus.publish("t", {"n": 3})
    assert await first.get(0.05) is None
    assert (await second.get(1)) == {"n": 3}


async def test_a_slow_subscriber_never_blocks_the_publisher() -> None:
    bus = MemoryBus()
    slow = await bus.subscribe("t")
    for n in range(1500):
        await bus.publish("t", {"n": n})
    assert (await slow.get(1))["n"] == 500  # type: ignore[index] - the oldest were dropped


@pytest.mark.redis
async def test_redis_bus_reaches_another_instance(redis_url: str) -> None:
    topic = f"test-{uuid.uuid4().hex}"
    publisher_redis, subscriber_redis = Redis.from_url(redis_url), Redis.from_url(redis_url)
    publisher, subscriber = RedisBus(publisher_redis), RedisBus(subscriber_redis)
    try:
        subscription = await subscriber.subscribe(topic)
        await asyncio.sleep(0.1)
        for n in range(3):
            await publisher.publish(topic, {"n": n})
        got = [await subscription.get(2) for _ in range(3)]
        assert got == [{"n": 0}, {"n": 1}, {"n": 2}]
        await subscription.close()
        await publisher.publish(topic, {"n": 99})
        assert await subscription.get(0.3) is None
    finally:
        await publisher.close()
        await subscriber.close()
        await publisher_redis.aclose()
        await subscriber_redis.aclose()

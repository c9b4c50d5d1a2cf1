"""Wire-protocol stand-ins for LLM providers, served by real uvicorn on 127.0.0.1.

Bedrock: Converse JSON and ConverseStream in the AWS event-stream encoding, SigV4 headers
recorded. OpenAI: chat completions JSON and SSE. Ollama: /api/chat JSON and NDJSON. A `Script`
decides each call's fate (answer, throttle, fail, deny) and delay, and records what arrived.
"""

from __future__ import annotations

import asyncio
import binascii
import json
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ANSWER = "Port 443 refuses connections: the service is down. Check the web server first."


@dataclass
class Script:
    """Fates for the next calls (`ok`, `throttle`, `error500`, `deny`, `garbage`); `ok` once they
    run out."""

    fates: list[str] = field(default_factory=list)
    delay: float = 0.0
    answer: str = ANSWER
    retry_after: str = "0"
    calls: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fate(self, request: Request, body: dict[str, Any]) -> str:
        with self.lock:
            self.calls.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
            return self.fates.pop(0) if self.fates else "ok"


def _chunks(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


# --- AWS event stream -------------------------------------------------------------------------
def _header(name: str, value: str) -> bytes:
    encoded_name, encoded_value = name.encode(), value.encode()
    return (
        struct.pack("B", len(encoded_name)) + encoded_name + b"\x07"
        + struct.pack(">H", len(encoded_value)) + encoded_value
    )  # fmt: skip


def event_message(event_type: str, payload: dict[str, Any]) -> bytes:
    headers = (
        _header(":event-type", event_type)
        + _header(":content-type", "application/json")
        + _header(":message-type", "event")
    )
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude_crc = struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + prelude_crc + headers + body
    return message + struct.pack(">I", binascii.crc32(message) & 0xFFFFFFFF)


def bedrock_app(script: Script) -> Starlette:
    async def fate_response(request: Request) -> tuple[str, dict[str, Any]]:
        body = json.loads(await request.body() or b"{}")
        fate = script.next_fate(request, body)
        if script.delay:
            await asyncio.sleep(script.delay)
        return fate, body

    def error(fate: str) -> Response | None:
        if fate == "throttle":
            return JSONResponse({"message": "Too many requests, please wait."}, 429,
                                headers={"x-amzn-ErrorType": "ThrottlingException"})  # fmt: skip
        if fate == "error500":
            return JSONResponse(
                {"message": "internal"}, 500, headers={"x-amzn-ErrorType": "InternalServerException"}
            )
        if fate == "deny":
            return JSONResponse(
                {"message": "no access"}, 403, headers={"x-amzn-ErrorType": "AccessDeniedException"}
            )
        return None

    async def converse(request: Request) -> Response:
        fate, _ = await fate_response(request)
        failed = error(fate)
        if failed is not None:
            return failed
        return JSONResponse({
            "output": {"message": {"role": "assistant", "content": [{"text": script.answer}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 120, "outputTokens": 18, "totalTokens": 138},
            "metrics": {"latencyMs": 5},
        })  # fmt: skip

    async def converse_stream(request: Request) -> Response:
        fate, _ = await fate_response(request)
        failed = error(fate)
        if failed is not None:
            return failed

        async def events() -> Any:
            yield event_message("messageStart", {"role": "assistant"})
            for piece in _chunks(script.answer):
                yield event_message("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
                await asyncio.sleep(0.01)
            yield event_message("contentBlockStop", {"contentBlockIndex": 0})
            yield event_message("messageStop", {"stopReason": "end_turn"})
            yield event_message("metadata", {"usage": {"inputTokens": 120, "outputTokens": 18, "totalTokens": 138},
                                              "metrics": {"latencyMs": 5}})  # fmt: skip

        return StreamingResponse(events(), media_type="application/vnd.amazon.eventstream")

    return Starlette(routes=[
        Route("/model/{model_id:path}/converse", converse, methods=["POST"]),
        Route("/model/{model_id:path}/converse-stream", converse_stream, methods=["POST"]),
    ])  # fmt: skip


def openai_app(script: Script) -> Starlette:
    async def completions(request: Request) -> Response:
        body = json.loads(await request.body())
        fate = script.next_fate(request, body)
        if script.delay:
            await asyncio.sleep(script.delay)
        if fate == "throttle":
            return JSONResponse(
                {"error": {"message": "slow down", "type": "rate_limit"}},
                429,
                headers={"retry-after": script.retry_after},
            )
        if fate == "error500":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, 500)
        if fate == "garbage":  # 200, but not a chat completion
            return JSONResponse({"object": "chat.completion", "choices": "none today"})
        if fate == "deny" or request.headers.get("authorization") != "Bearer sk-test":
            return JSONResponse(
                {"error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}},
                401,
            )
        if body.get("stream"):

            async def sse() -> Any:
                for piece in _chunks(script.answer):
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": body["model"], "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}  # fmt: skip
                    yield f"data: {json.dumps(chunk)}\n\n"
                    await asyncio.sleep(0.01)
                yield "data: [DONE]\n\n"

            return StreamingResponse(sse(), media_type="text/event-stream")
        return JSONResponse({
            "id": "c1", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": script.answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        })  # fmt: skip

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def ollama_app(script: Script) -> Starlette:
    async def chat(request: Request) -> Response:
        body = json.loads(await request.body())
        fate = script.next_fate(request, body)
        if script.delay:
            await asyncio.sleep(script.delay)
        if fate == "error500":
            return JSONResponse({"error": "model crashed"}, 500)
        if fate == "deny":
            return JSONResponse({"error": f"model '{body['model']}' not found"}, 404)
        if body.get("stream", True):

            async def ndjson() -> Any:
                for piece in _chunks(script.answer):
                    yield (
                        json.dumps(
                            {
                                "model": body["model"],
                                "message": {"role": "assistant", "content": piece},
                                "done": False,
                            }
                        )
                        + "\n"
                    )
                    await asyncio.sleep(0.01)
                yield json.dumps({"model": body["model"], "message": {"role": "assistant", "content": ""}, "done": True,
                                  "prompt_eval_count": 90, "eval_count": 17}) + "\n"  # fmt: skip

            return StreamingResponse(ndjson(), media_type="application/x-ndjson")
        return JSONResponse({"model": body["model"], "message": {"role": "assistant", "content": script.answer},
                             "done": True, "prompt_eval_count": 90, "eval_count": 17})  # fmt: skip

    return Starlette(routes=[Route("/api/chat", chat, methods=["POST"])])


@contextmanager
def serve(app: Any, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan,
                            limit_concurrency=2000, backlog=2048)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("stand-in server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

"""The OpenAI-compatible API, with the real `openai` SDK as the client against uvicorn."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from app.main import create_app
from tests.conftest import PLAIN_KEY, open_client
from tests.integration.uvicorn_process import clean_env, start, stop

KEY = "chat-test-key-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("chat")
    env = clean_env(API_KEYS=f"ops:{KEY}", NETWORK_ALLOW_TARGETS="127.0.0.0/8", LOG_LEVEL="WARNING",
                    DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'chat.db'}")  # fmt: skip
    process, base = start(folder, ["app.main:app"], env)
    yield base
    stop(process)


@pytest.fixture
def client(server: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0, timeout=30) as sdk:
        yield sdk


def _ask(
    client: openai.OpenAI, messages: list[dict[str, str]], *, stream: bool
) -> tuple[str, dict[str, Any]]:
    """The assistant's answer and the service's `x_orchestrator` block (streaming has none)."""
    if stream:
        chunks = client.chat.completions.create(model="orchestrator", messages=messages, stream=True)  # type: ignore[arg-type]
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), {}
    completion = client.chat.completions.create(model="orchestrator", messages=messages)  # type: ignore[arg-type]
    assert completion.choices[0].finish_reason == "stop"
    return completion.choices[0].message.content or "", (completion.model_extra or {}).get(
        "x_orchestrator", {}
    )


@pytest.mark.parametrize("stream", [False, True])
def test_two_turn_conversation_completes_the_earlier_request(
    client: openai.OpenAI, tls_port: int, listening_port: int, stream: bool
) -> None:
    history = [{"role": "user", "content": "can you check our TLS certificate?"}]
    question, extra = _ask(client, history, stream=stream)
    assert question.strip() == "Which host should I check?"
    if not stream:
        assert extra["needs_input"]["agent"] == "network_diagnostics" and "error_code" not in extra
    history += [
        {"role": "assistant", "content": question},
        {"role": "user", "content": f"it's 127.0.0.1:{tls_port}"},
    ]
    answer, extra = _ask(client, history, stream=stream)
    assert "network_diagnostics" in answer and f"127.0.0.1:{tls_port}" in answer
    assert "certificate" in answer.lower()  # the TLS check ran against the loopback server
    if not stream:
        assert extra["agents"] == ["network_diagnostics"] and extra["status"] in ("completed", "partial")
    history += [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": f"now port {listening_port} too"},
    ]
    answer, _ = _ask(client, history, stream=stream)
    assert f"accepts TCP on port {listening_port}" in answer  # the last target, reused
    history += [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "write a poem about the sea"},
    ]
    answer, _ = _ask(client, history, stream=stream)
    assert "I could not run this" in answer  # a new, unrelated request starts fresh


def test_models_lists_the_orchestrator_and_each_agent(client: openai.OpenAI) -> None:
    ids = {model.id for model in client.models.list()}
    assert {"orchestrator", "agent:network_diagnostics", "agent:log_analysis"} <= ids


def test_completion_reports_the_diagnostics(client: openai.OpenAI, listening_port: int) -> None:
    completion = client.chat.completions.create(
        model="orchestrator",
        messages=[
            {"role": "system", "content": "You are an ops bot."},
            {"role": "user", "content": f"Check connectivity to 127.0.0.1 on port {listening_port}"},
        ],  # fmt: skip
    )
    content = completion.choices[0].message.content or ""
    assert "network_diagnostics (completed" in content
    assert f"accepts TCP on port {listening_port}" in content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0


def test_context_in_a_json_block_and_agent_models(client: openai.OpenAI, listening_port: int) -> None:
    prompt = (
        "is it open?\n```json\n"
        + json.dumps({"hostname": "127.0.0.1", "ports": [listening_port], "checks": ["tcp"]})
        + "\n```"
    )
    completion = client.chat.completions.create(
        model="agent:network_diagnostics", messages=[{"role": "user", "content": prompt}]
    )
    assert "accepts TCP" in (completion.choices[0].message.content or "")


def test_streamed_completion_arrives_in_several_chunks(client: openai.OpenAI, listening_port: int) -> None:
    stream = client.chat.completions.create(
        model="orchestrator",
        messages=[{"role": "user", "content": f"check connectivity to 127.0.0.1 on port {listening_port}"}],
        stream=True,
    )
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    text = "".join(pieces)
    assert len([p for p in pieces if p]) >= 3
    assert text.startswith("Running network_diagnostics")
    assert "network_diagnostics finished (completed)" in text and "accepts TCP" in text


def test_a_task_no_agent_takes_is_answered_in_words(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="orchestrator", messages=[{"role": "user", "content": "write a poem"}]
    )
    assert (completion.choices[0].message.content or "").startswith("I could not run this")


def test_bad_key_raises_authentication_error(server: str) -> None:
    with openai.OpenAI(base_url=f"{server}/v1", api_key="wrong-key-000", max_retries=0) as sdk:
        with pytest.raises(openai.AuthenticationError):
            sdk.models.list()


def test_unknown_model_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])


async def test_orchestrate_streams_progress_on_request(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        async for http in open_client(create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))):
            response = await http.post(
                "/api/v1/orchestrate",
                json={"task": f"check connectivity to 127.0.0.1 on port {port}"},
                headers={"X-API-Key": PLAIN_KEY, "Accept": "text/event-stream"},
            )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [
        line.removeprefix("event: ").strip()
        for line in response.text.splitlines()
        if line.startswith("event:")
    ]
    assert events == ["routed", "agent_finished", "result"]
    result = json.loads(response.text.split("event: result", 1)[1].split("data: ", 1)[1].split("\n")[0])
    assert result["status"] == "completed" and result["results"][0]["agent_id"] == "network_diagnostics"

"""The Responses API (`/v1/responses`) with the official `openai` SDK as the client, against the
service under uvicorn on 127.0.0.1 (on the suite's database: SQLite, or PostgreSQL on CI's
second pass)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from app.main import create_app
from tests.conftest import loopback_service_settings, shared_database_url
from tests.llm.standins import serve

OPS = "responses-ops-key-0001"
OTHER = "responses-dev-key-0002"
ADMIN = "responses-root-key-0003"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = loopback_service_settings(
        shared_database_url(tmp_path_factory.mktemp("responses")),
        [f"ops:{OPS}", f"dev:{OTHER}", f"root:{ADMIN}"],
        admin_key_labels=["root"],
    )
    with serve(create_app(settings), lifespan="on") as url:
        yield url


def sdk(service: str, key: str = OPS) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{service}/v1", api_key=key, max_retries=0, timeout=30)


@pytest.fixture
def client(service: str) -> Iterator[openai.OpenAI]:
    with sdk(service) as opened:
        yield opened


def extra(response: Any) -> dict[str, Any]:
    return (response.model_extra or {}).get("x_orchestrator", {})


def ask(client: openai.OpenAI, stream: bool, **kwargs: Any) -> tuple[str, Any, list[Any]]:
    """The answer's text, the final response object and (streaming) every event in order."""
    if not stream:
        response = client.responses.create(model="orchestrator", **kwargs)
        return response.output_text, response, []
    events = list(client.responses.create(model="orchestrator", stream=True, **kwargs))
    final = events[-1].response
    return final.output_text, final, events


def test_a_plain_request_runs_the_routed_agent_and_is_recorded(
    client: openai.OpenAI, service: str, listening_port: int
) -> None:
    response = client.responses.create(
        model="orchestrator",
        input=f"check TCP port {listening_port} on 127.0.0.1",
        instructions="Answer briefly.",
    )
    assert response.status == "completed" and response.object == "response"
    assert response.id.startswith("resp_") and response.instructions == "Answer briefly."
    assert f"accepts TCP on port {listening_port}" in response.output_text
    assert response.output[0].role == "assistant"  # type: ignore[union-attr]
    assert response.usage is not None and response.usage.input_tokens == 6
    assert response.usage.output_tokens == len(response.output_text.split())
    meta = extra(response)
    assert meta["agents"] == ["network_diagnostics"] and meta["status"] == "completed"
    record = httpx.get(
        f"{service}/api/v1/executions/{meta['execution_id']}", headers={"X-API-Key": OPS}, timeout=10
    )
    assert record.status_code == 200 and record.json()["owner"] == "ops"
    assert client.responses.retrieve(response.id).output_text == response.output_text


def test_streaming_sends_the_standard_event_sequence(client: openai.OpenAI, listening_port: int) -> None:
    text, final, events = ask(client, True, input=f"is 127.0.0.1 port {listening_port} open?")
    kinds = [e.type for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) >= 3 and set(kinds[4:-4]) == {"response.output_text.delta"}  # routed, agent, answer
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].response.status == "in_progress" and events[0].response.output == []
    done = events[-4]
    assert "".join(deltas) == done.text == text and f"accepts TCP on port {listening_port}" in text
    assert final.status == "completed" and final.id == events[0].response.id
    assert client.responses.retrieve(final.id).output_text == text  # stored before it completed


@pytest.mark.parametrize("stream", [False, True])
def test_previous_response_id_continues_a_clarifying_question(
    client: openai.OpenAI, tls_port: int, stream: bool
) -> None:
    question, first, _ = ask(client, stream, input="can you check our TLS certificate?")
    assert question.strip() == "Which host should I check?"
    if not stream:
        assert extra(first)["needs_input"]["agent"] == "network_diagnostics"
    answer, second, _ = ask(client, stream, input=f"it's 127.0.0.1:{tls_port}", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert "network_diagnostics" in answer and f"127.0.0.1:{tls_port}" in answer
    assert "certificate" in answer.lower()  # the TLS check ran against the loopback server
    third, _, _ = ask(
        client, stream, input=[{"role": "user", "content": [{"type": "input_text", "text": "write a poem"}]}],
        previous_response_id=second.id,
    )  # fmt: skip
    assert "I could not run this" in third  # unrelated: starts fresh


def test_another_keys_response_is_not_found(client: openai.OpenAI, service: str) -> None:
    mine = client.responses.create(model="orchestrator", input="can you check our TLS certificate?")
    with sdk(service, OTHER) as other:
        with pytest.raises(openai.NotFoundError) as raised:
            other.responses.create(model="orchestrator", input="127.0.0.1", previous_response_id=mine.id)
        with pytest.raises(openai.NotFoundError):
            other.responses.retrieve(mine.id)
        with pytest.raises(openai.NotFoundError):
            other.responses.delete(mine.id)
    body = raised.value.body
    assert isinstance(body, dict) and body["code"] == "not_found" and mine.id in body["message"]
    assert client.responses.retrieve(mine.id).id == mine.id  # still there for its owner


def test_store_false_and_delete_leave_nothing_to_continue(client: openai.OpenAI) -> None:
    unstored = client.responses.create(model="orchestrator", input="check our TLS certificate", store=False)
    assert unstored.store is False and unstored.output_text.strip() == "Which host should I check?"
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(unstored.id)
    stored = client.responses.create(model="orchestrator", input="check our TLS certificate")
    client.responses.delete(stored.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="orchestrator", input="127.0.0.1", previous_response_id=stored.id)


def test_refusals_are_answers_and_bad_requests_are_errors(client: openai.OpenAI, service: str) -> None:
    refused = client.responses.create(model="orchestrator", input="ping 169.254.169.254")
    assert refused.status == "completed" and "I could not run this" in refused.output_text
    assert extra(refused)["error_code"] == "target_not_allowed"
    with pytest.raises(openai.NotFoundError) as unknown:
        client.responses.create(model="gpt-4o", input="hello")
    assert isinstance(unknown.value.body, dict) and unknown.value.body["code"] == "model_not_found"
    with pytest.raises(openai.UnprocessableEntityError) as tool_output:
        client.responses.create(
            model="orchestrator",
            input=[{"type": "function_call_output", "call_id": "c1", "output": "{}"}],
        )
    assert "only messages" in str(tool_output.value.body)
    with pytest.raises(openai.UnprocessableEntityError):
        client.responses.create(model="orchestrator", input=[{"role": "system", "content": "be terse"}])
    with sdk(service, "not-a-key") as stranger, pytest.raises(openai.AuthenticationError):
        stranger.responses.create(model="orchestrator", input="hello")


def test_an_agent_model_runs_that_agent(client: openai.OpenAI) -> None:
    logs = "2026-11-30T01:00:00Z ERROR db: connection refused\n" * 3
    response = client.responses.create(
        model="agent:log_analysis", input=[{"role": "user", "content": f"what failed?\n{logs}"}]
    )
    assert extra(response)["agents"] == ["log_analysis"] and "connection refused" in response.output_text


def test_an_admin_reading_another_key_s_answer_is_audited(client: openai.OpenAI, service: str) -> None:
    mine = client.responses.create(model="orchestrator", input="can you check our TLS certificate?")
    with sdk(service, ADMIN) as admin:
        assert admin.responses.retrieve(mine.id).id == mine.id
    entries = httpx.get(
        f"{service}/api/v1/audit", params={"event": "admin_read"}, headers={"X-API-Key": ADMIN}, timeout=10
    ).json()["entries"]
    assert {"response_id": mine.id, "owner": "ops"} in [e["details"] for e in entries if e["actor"] == "root"]


def test_malformed_content_parts_are_422_and_a_nul_is_no_500(client: openai.OpenAI) -> None:
    for content in (["hi"], [{"type": "input_text", "text": None}], [{"type": "input_text", "text": 42}]):
        with pytest.raises(openai.UnprocessableEntityError) as raised:
            client.responses.create(model="orchestrator", input=[{"role": "user", "content": content}])
        assert "input_text" in str(raised.value.body)
    answered = client.responses.create(model="orchestrator", input="can you check our TLS\x00 certificate?")
    assert answered.output_text.strip() == "Which host should I check?"
    assert client.responses.retrieve(answered.id).id == answered.id  # stored, on PostgreSQL too

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm.standins import Script, bedrock_app, ollama_app, openai_app, serve


@pytest.fixture
def bedrock_script() -> Script:
    return Script()


@pytest.fixture
def bedrock_url(bedrock_script: Script) -> Iterator[str]:
    with serve(bedrock_app(bedrock_script)) as url:
        yield url


@pytest.fixture
def openai_script() -> Script:
    return Script()


@pytest.fixture
def openai_url(openai_script: Script) -> Iterator[str]:
    with serve(openai_app(openai_script)) as url:
        yield url + "/v1"


@pytest.fixture
def ollama_script() -> Script:
    return Script()


@pytest.fixture
def ollama_url(ollama_script: Script) -> Iterator[str]:
    with serve(ollama_app(ollama_script)) as url:
        yield url

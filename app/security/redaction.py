"""Secrets out of logs and stored records: sensitive keys by name, known secrets and patterns by value."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from functools import lru_cache
from typing import Any

_SENSITIVE_KEYS = frozenset(
    {
        "api_key",
        "api_keys",
        "x-api-key",
        "x_api_key",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "password",
        "secret",
        "token",
        "access_token",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "openai_api_key",
    }
)
_SENSITIVE_KEY = re.compile(
    r"(^|[_-])(password|passwd|secret|token|api[_-]?key|authorization|private[_-]?key|credentials?)($|[_-])",
    re.IGNORECASE,
)
_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"(?i)(aws_secret_access_key|api[_-]?key|secret|password|token)(\s*[=:]\s*)\S+"),
)
# Every string any pattern above can match contains one of these: most strings are let through
# after this one scan instead of three.
_MAYBE_SECRET = re.compile(r"(?i)bearer|basic|AKIA|ASIA|api[_-]?key|secret|password|token")
REDACTED = "[redacted]"


@lru_cache(maxsize=4096)
def sensitive_key(key: str) -> bool:
    """Whether a mapping key names a secret (keys repeat endlessly, so the answer is cached)."""
    return key.lower() in _SENSITIVE_KEYS or _SENSITIVE_KEY.search(key) is not None


class SecretRedactor:
    """Removes secrets from every event: sensitive keys by name, known secrets and patterns by value."""

    def __init__(self, known_secrets: Iterable[str] = ()) -> None:
        self.known_secrets = tuple(s for s in known_secrets if s)

    def redact(self, value: Any) -> Any:
        """A copy of `value` (JSON-like data) with every secret replaced."""
        return self._clean(value)

    def clean_mapping(self, data: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in data.items():
            if value is not None and isinstance(key, str) and sensitive_key(key):
                data[key] = REDACTED
            else:
                data[key] = self._clean(value)
        return data

    def _clean(self, value: Any) -> Any:
        kind = type(value)  # exact types first: the ABC checks below are slow
        if kind is str:
            return self.scrub(value)
        if kind is dict:
            return self.clean_mapping(dict(value))
        if kind is list or kind is tuple:
            return [self._clean(item) for item in value]
        if value is None or kind is int or kind is float or kind is bool:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, MutableMapping):
            return self.clean_mapping(dict(value))
        if isinstance(value, Mapping):
            return self.clean_mapping(dict(value))
        if isinstance(value, list | tuple):
            return [self._clean(item) for item in value]
        return value

    def scrub(self, text: str) -> str:
        for secret in self.known_secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if not _MAYBE_SECRET.search(text):
            return text
        for pattern in _SECRET_PATTERNS:
            if pattern.search(text):
                text = pattern.sub(_keep_prefix, text)
        return text


def _keep_prefix(match: re.Match[str]) -> str:
    if match.lastindex and match.lastindex >= 2:
        return f"{match.group(1)}{match.group(2)}{REDACTED}"
    if match.lastindex == 1 and match.group(1).lower() in {"bearer", "basic"}:
        return f"{match.group(1)} {REDACTED}"
    return REDACTED

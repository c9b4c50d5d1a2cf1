"""Secrets out of logs and stored records: sensitive keys by name, known secrets and patterns by value."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
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
REDACTED = "[redacted]"


class SecretRedactor:
    """Removes secrets from every event: sensitive keys by name, known secrets and patterns by value."""

    def __init__(self, known_secrets: Iterable[str] = ()) -> None:
        self.known_secrets = tuple(s for s in known_secrets if s)

    def redact(self, value: Any) -> Any:
        """A copy of `value` (JSON-like data) with every secret replaced."""
        return self._clean(value)

    def clean_mapping(self, data: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in data.items():
            if value is not None and (key.lower() in _SENSITIVE_KEYS or _SENSITIVE_KEY.search(key)):
                data[key] = REDACTED
            else:
                data[key] = self._clean(value)
        return data

    def _clean(self, value: Any) -> Any:
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

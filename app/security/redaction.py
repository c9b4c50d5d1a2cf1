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
# A name that says its value is a secret, as it appears before `=` or `:` in logs, JSON,
# YAML, env files and query strings (`db_password`, "SecretAccessKey", X-Auth-Token).
_SECRET_NAME = (
    r"[\w.-]*(?:password|passwd|secret|token(?!s)|api[_-]?key|access[_-]?key|private[_-]?key)[\w.-]*"  # noqa: S105
)
_SECRET_ASSIGNMENT = re.compile(
    rf"(?i)(\b{_SECRET_NAME}[\"']?)(\s*[=:]\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s,;&}}]+)"
)
_SECRET_PATTERNS = (
    # PEM private keys, whole.
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
    # The password of a URL (postgres://user:PASSWORD@host), user and host kept.
    re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)"),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    # A Kubernetes env entry: `name: DB_PASSWORD` then `value: ...` on the next line.
    re.compile(
        rf"(?i)(name:\s*[\"']?{_SECRET_NAME}[\"']?\s*\n\s*-?\s*value:\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s,}}]+)"
    ),
    re.compile(r"(?i)^(\s*(?:set-)?cookie:\s*)(.+)$", re.MULTILINE),
    _SECRET_ASSIGNMENT,
)
# Every string any pattern above can match contains one of these once case-folded: most strings
# are let through after this one scan instead of several. Matched against `text.casefold()`: a
# case-sensitive scan of folded text is several times faster than `(?i)`, and folding maps every
# character `(?i)` takes for an ASCII letter onto that letter (the Kelvin sign, the long s), but
# for the dotless i, mapped by hand.
_MAYBE_SECRET = re.compile(
    r"bearer|basic|akia|asia|api[_-]?key|access[_-]?key|secret|passw|token|private key|cookie|://[^\s/@]*:[^\s@/]*@"
)
REDACTED = "[redacted]"


def _folded(text: str) -> str:
    return text.casefold().replace("\u0131", "i")


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
        if not _MAYBE_SECRET.search(_folded(text)):
            return text
        for pattern in _SECRET_PATTERNS:
            if pattern.search(text):
                text = pattern.sub(_keep_prefix, text)
        return text


def mask_secret_assignments(text: str) -> str:
    """`text` with the value of every `password=...`-style assignment replaced, and nothing else
    changed, for reading targets out of a request (the caller keeps URLs out of it)."""
    if not _MAYBE_SECRET.search(_folded(text)):
        return text

    def mask(match: re.Match[str]) -> str:
        if match.group(2) == ":" and match.group(3)[:1].isdigit():
            return match.group(0)  # vault-secrets.internal:8200 is a host and its port
        return _keep_prefix(match)

    return _SECRET_ASSIGNMENT.sub(mask, text)


def _keep_prefix(match: re.Match[str]) -> str:
    """Replace the secret part of a match and keep what names it (`password=`, `Bearer `)."""
    groups = match.lastindex or 0
    if groups >= 3:  # name, separator, value (a URL: prefix, password, "@")
        if match.group(3) == "@":
            return f"{match.group(1)}{REDACTED}@"
        return f"{match.group(1)}{match.group(2)}{REDACTED}"
    if groups == 2:
        return f"{match.group(1)}{REDACTED}"
    if groups == 1 and match.group(1).lower() in {"bearer", "basic"}:
        return f"{match.group(1)} {REDACTED}"
    return REDACTED

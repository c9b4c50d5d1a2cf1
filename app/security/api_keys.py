"""API keys: parse `label:secret` / `label:sha256=<hex>` entries and authenticate presented secrets."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

_LABEL = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    label: str
    digest: bytes  # SHA-256 of the secret; plain entries are hashed at load so both compare alike


def parse_api_keys(entries: Iterable[str]) -> list[ApiKey]:
    """Parse `API_KEYS` entries; raise ValueError naming the entry's position, never its secret."""
    keys: list[ApiKey] = []
    labels: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label, sep, secret = entry.partition(":")
        if not sep or not secret:
            raise ValueError(f"entry {position} must be 'label:secret' or 'label:sha256=<hex>'")
        if not _LABEL.match(label):
            raise ValueError(f"entry {position}: label must be 1-64 of A-Z a-z 0-9 _ . @ -")
        if label in labels:
            raise ValueError(f"entry {position}: label {label!r} is used twice")
        labels.add(label)
        if secret.startswith("sha256="):
            hexdigest = secret.removeprefix("sha256=")
            if not _SHA256_HEX.match(hexdigest):
                raise ValueError(f"entry {position}: sha256= must be followed by 64 hex digits")
            keys.append(ApiKey(label, bytes.fromhex(hexdigest)))
        else:
            if len(secret) < 8:
                raise ValueError(f"entry {position}: secret must be at least 8 characters")
            keys.append(ApiKey(label, hashlib.sha256(secret.encode()).digest()))
    return keys


class ApiKeyStore:
    """Authenticates a presented secret against every configured key in constant time."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._keys = tuple(keys)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def labels(self) -> list[str]:
        return [key.label for key in self._keys]

    def authenticate(self, presented: str) -> str | None:
        """Return the key's label, or None. Every key is compared so timing reveals nothing."""
        digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        found: str | None = None
        for key in self._keys:
            if hmac.compare_digest(digest, key.digest):
                found = key.label
        return found


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the key label (None when authentication is off) and whether it is an admin."""

    key_label: str | None
    admin: bool
    client_ip: str

    def can_see(self, owner: str | None) -> bool:
        """Whether this caller may read a record owned by `owner`: its own, or any for an admin."""
        return self.admin or owner == self.key_label

    @property
    def rate_limit_identity(self) -> str:
        return f"key:{self.key_label}" if self.key_label else f"ip:{self.client_ip}"

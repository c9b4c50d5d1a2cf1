"""Where the service is and how to call it: URL and key from the options, the environment or
the config file, and each answer's error envelope turned into a one-line CliError."""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any

import httpx

from app.cli.errors import CliError, UsageError

CONFIG_FILE = Path("~/.config/ops-orchestrator/config.toml").expanduser()
DEFAULT_URL = "http://127.0.0.1:8000"


def settings(args: argparse.Namespace) -> tuple[str, str | None]:
    config: dict[str, Any] = {}
    if CONFIG_FILE.is_file():
        try:
            config = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CliError(f"cannot read {CONFIG_FILE}: {exc}") from None
    url = args.url or os.environ.get("ORCHESTRATOR_URL") or config.get("url") or DEFAULT_URL
    key = args.api_key or os.environ.get("ORCHESTRATOR_API_KEY") or config.get("api_key")
    return str(url).rstrip("/"), key


def service(args: argparse.Namespace) -> tuple[str, str | None]:
    """The service's URL (checked) and the key to call it with."""
    url, key = settings(args)
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"the service URL must start with http:// or https://, not {url!r}")
    return url, key


def connect(args: argparse.Namespace) -> httpx.Client:
    url, key = service(args)
    headers = {"X-API-Key": key} if key else {}
    try:
        return httpx.Client(base_url=url, headers=headers, timeout=args.timeout)
    except httpx.InvalidURL as exc:
        raise UsageError(f"the service URL {url!r} is not valid: {exc}") from None


def call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach {client.base_url}: {exc}") from None
    except (httpx.InvalidURL, ValueError) as exc:  # a bad --url, or a float JSON cannot carry
        raise UsageError(f"cannot send {method} {path}: {exc}") from None
    if response.status_code >= 400:
        raise CliError(error_message(response))
    try:
        return response.json()
    except ValueError:
        raise CliError(f"{client.base_url} answered {path} with something other than JSON") from None


def error_message(response: httpx.Response) -> str:
    """`401 unauthorized: ...` from the service's error envelope, or the start of the body."""
    try:
        error = response.json()["error"]
        return f"{response.status_code} {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"

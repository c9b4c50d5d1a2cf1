"""Secrets in environment values and command lines: literal values of secret-looking variables and
flags, credentials inside URLs and inline private keys. Findings name the variable or flag; the
value never leaves this module."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import text_of

# A word of a variable name that marks a secret, alone or glued to the end of a word (DBPASSWORD).
_SECRET_WORDS = (
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY", "SECRETKEY",
    "CREDENTIAL", "CREDENTIALS", "MASTERKEY",
)  # fmt: skip
# Abbreviations that mark a password only as a name's last word (DB_PASS; not BYPASS, PASS_THROUGH).
_SHORT_SECRET_WORDS = {"PASS", "PWD", "PW"}
# Two words that together mark a secret: API_KEY, PRIVATE_KEY, SIGNING_KEY ...
_SECRET_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("AUTH", "KEY"), ("MASTER", "KEY"),
                 ("ENCRYPTION", "KEY"), ("SIGNING", "KEY"), ("DB", "PWD")}  # fmt: skip
# A last word that makes the variable about a secret rather than the secret: POSTGRES_PASSWORD_FILE.
_NOT_THE_SECRET = {
    "FILE", "PATH", "DIR", "NAME", "ID", "REF", "TTL", "EXPIRY", "EXPIRES", "EXPIRATION", "LIFETIME",
    "AGE", "LENGTH", "LEN", "MIN", "MAX", "TIMEOUT", "ENABLED", "DISABLED", "REQUIRED", "HEADER",
    "ALGORITHM", "ALG", "TYPE", "POLICY", "FIELD", "ENDPOINT", "HOST", "PORT", "USER", "USERNAME", "USERS",
    "USERNAMES", "ROLES", "GROUPS",
    "AUDIENCE", "ISSUER", "SCOPE", "URL", "URI", "DAYS", "HOURS", "MINUTES", "SECONDS", "INTERVAL", "PERIOD",
    "COUNT", "SIZE", "VERSION", "MODE", "FORMAT", "PREFIX", "KIND", "STRENGTH", "ATTEMPTS", "RETRIES",
    "COMPLEXITY",
}  # fmt: skip
# A number or a duration ("30", "15m", "720h") is a setting, whatever the variable is called.
_SETTING_VALUE = re.compile(r"^\d+(?:\.\d+)?(?:ms|s|m|h|d|w)?$")
_LITERAL_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "none"}
# An absolute path ("/run/secrets/db_password", or as a file URL, "file:///run/secrets/key", which
# authentik and others read their secrets from) points at where the secret is: it is not one.
_FILE_PATH = re.compile(r"^(?:file://)?/(?:[\w.@-]+/)+[\w.@-]+$")
# ${NAME}, ${NAME:?message}, ${NAME:-} and $NAME (compose), $(NAME) (Kubernetes); group 2 is a default.
_REFERENCE = re.compile(
    r"^(?:\$\{[A-Za-z_]\w*(?:(:?-)([^}]*)|:?\?[^}]*)?\}|\$[A-Za-z_]\w*|\$\([A-Za-z_]\w*\))$"
)
_URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:([^\s/@]+)@")
# A PEM private key, or an age identity (SOPS' and age's secret key).
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAGE-SECRET-KEY-1[0-9A-Z]{20,}")


def env_pairs(env: Any) -> list[tuple[str, Any]]:
    """(name, value) of compose's mapping or `KEY=VALUE` list form and Kubernetes' `env` list."""
    if isinstance(env, dict):
        return [(text_of(key), value) for key, value in env.items()]
    pairs: list[tuple[str, Any]] = []
    for item in env if isinstance(env, list) else []:
        if isinstance(item, str) and "=" in item:
            key, _, value = item.partition("=")
            pairs.append((key, value))
        elif isinstance(item, dict) and "name" in item:
            pairs.append((text_of(item["name"]), item.get("value")))
    return pairs


# Images' well-known administrator passwords written out as values: a `default_credentials`
# finding (server_settings), which may name them since everyone knows them, not a plaintext secret.
DEFAULT_PASSWORDS = {
    "RABBITMQ_DEFAULT_PASS": "guest",
    "MINIO_ROOT_PASSWORD": "minioadmin",
    "MINIO_SECRET_KEY": "minioadmin",
    "GF_SECURITY_ADMIN_PASSWORD": "admin",
    "INIT_ADMIN_API_TOKENS": "*:*.unleash-insecure-admin-api-token",  # Unleash's documented example
}


def scan_env(
    where: str, pairs: Iterable[tuple[str, Any]], noun: str = "environment variable"
) -> Iterator[Finding]:
    """One finding per variable that holds a secret; the message names it and never its value."""
    for key, value in pairs:
        if value is None or isinstance(value, bool | float | dict | list):
            continue
        text = str(value)
        if DEFAULT_PASSWORDS.get(key.upper()) == text.strip():
            continue
        if any(_written(match.group(1)) for match in _URL_CREDENTIALS.finditer(text)):
            what = f"{noun} {key} holds a URL with a password in it (value redacted)"
            yield rule_finding("secret_in_url", where, what)
        elif _PRIVATE_KEY.search(text) or (
            is_secret_name(key)
            and _written(text)
            and not _SETTING_VALUE.match(text.strip())
            and not _FILE_PATH.match(text.strip())
        ):
            how = (
                "falls back to a literal default" if _written(text) == "default" else "holds a literal secret"
            )
            yield rule_finding("plaintext_secret", where, f"{noun} {key} {how} (value redacted)")


def is_secret_name(key: str) -> bool:
    """PASSWORD, API_KEY, DbPassword, GITHUB_TOKEN: yes; PASSWORD_FILE, TOKEN_TTL, TOKENIZER: no."""
    words = [w for w in re.split(r"[^A-Z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).upper()) if w]
    if not words or words[-1] in _NOT_THE_SECRET:
        return False
    if words[-3:] == ["INITIAL", "CLUSTER", "TOKEN"]:
        return False  # etcd's --initial-cluster-token names the cluster at bootstrap: no credential
    if any(word.endswith(secret) for word in words for secret in _SECRET_WORDS):
        return True
    if len(words) > 1 and words[-1] in _SHORT_SECRET_WORDS:
        return True  # DB_PASS, SMTP_PWD, REDIS_PW: short for a password, as the last word only
    return any(pair in _SECRET_PAIRS for pair in zip(words, words[1:], strict=False))


def _written(text: str) -> str | None:
    """ "literal" for a value written in the file, "default" for a reference whose fallback is
    written in the file (${DB_PASSWORD:-changeme}), None for a reference filled in at run time."""
    text = text.strip()
    if not text or text.lower() in _LITERAL_WORDS:
        return None
    reference = _REFERENCE.match(text)
    if reference is None:
        return "literal"
    return "default" if reference.group(2) else None


# Flags and settings that take a secret as their value, beyond names is_secret_name knows.
_SECRET_FLAGS = frozenset({"requirepass", "masterauth", "pass", "pwd", "auth", "authpass"})
_FLAG = re.compile(r"^-{1,2}([A-Za-z][\w.-]*)(?:=(.*))?$")
_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)=(.+)$")
# Programs whose short flag carries the password itself: mysql -pSECRET, redis-cli -a SECRET.
_SHORT_PASSWORD = {"mysql": "-p", "mysqladmin": "-p", "mysqldump": "-p", "mariadb": "-p", "redis-cli": "-a"}


def scan_command(where: str, label: str, command: Any) -> Iterator[Finding]:
    """One finding when a command (a string or a list of words, shells' `-c` scripts included)
    passes a literal secret: `--password=x`, `--requirepass x`, `PGPASSWORD=x psql`, `mysql -px`,
    `redis-cli -a x`, a URL with a password. Secrets on a command line show in `ps`, `docker
    inspect` and the pod spec; the finding names the flag, never the value."""
    words = _command_words(command)
    for index, word in enumerate(words):
        flag = _secret_flag(words, index, word)
        if flag:
            what = (
                f"passes a literal password or secret on its {label} ({flag}, value redacted), "
                "visible in ps and inspect output"
            )
            yield rule_finding("plaintext_secret", where, what)
            return
        if any(_written(match.group(1)) for match in _URL_CREDENTIALS.finditer(word)):
            yield rule_finding(
                "secret_in_url", where, f"its {label} holds a URL with a password in it (value redacted)"
            )
            return


def _command_words(command: Any) -> list[str]:
    parts = [command] if isinstance(command, str) else command if isinstance(command, list) else []
    words: list[str] = []
    for part in parts:
        text = text_of(part)
        try:
            split = shlex.split(text) if any(c.isspace() for c in text) else [text]
        except ValueError:  # an unbalanced quote: plain words will do
            split = text.split()
        words += split
    return words


def _secret_flag(words: list[str], index: int, word: str) -> str | None:
    """The flag or variable name when `word` (with the word after it) passes a literal secret."""
    following = words[index + 1] if index + 1 < len(words) else ""
    if match := _FLAG.match(word):
        name, value = match.group(1), match.group(2)
        if _secret_option(name) and _literal(following if value is None else value):
            return f"--{name}"
        program = next(
            (p for p in _SHORT_PASSWORD if any(w.rsplit("/", 1)[-1] == p for w in words[:index])), None
        )
        short = _SHORT_PASSWORD.get(program or "")
        if short == "-p" and word.startswith("-p") and _literal(word[2:]):
            return "-p"
        if short == "-a" and word == "-a" and _literal(following):
            return "-a"
        return None
    if match := _ASSIGNMENT.match(word):
        return match.group(1) if _secret_option(match.group(1)) and _literal(match.group(2)) else None
    if word.lower() in _SECRET_FLAGS and _literal(following):
        return word  # redis-server's `requirepass x`, config lines passed as words
    return None


def _literal(value: str) -> bool:
    """A value written out, not a reference ($VAR, $(cat ...)), a file path or another flag."""
    return bool(value) and not value.startswith(("$", "-", "/", "./", "~")) and _written(value) is not None


def _secret_option(name: str) -> bool:
    return name.lower() in _SECRET_FLAGS or is_secret_name(name.replace("-", "_").replace(".", "_"))

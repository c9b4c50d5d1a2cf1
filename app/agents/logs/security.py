"""Authentication in sshd/PAM logs the way an on-call engineer reads an auth.log: failed logins
from one address are an attacker's noise, a login that succeeds from an address after many
failures is a likely compromise, and that is the first thing to say."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from app.agents.base import Finding, Severity
from app.agents.logs.parsing import LogEntry

_FAILED = re.compile(
    r"(?:Failed (?:password|publickey|keyboard-interactive(?:/pam)?|none) for (?:invalid user )?(?P<user>\S+)"
    r"|Invalid user (?P<invalid>\S*)|authentication failure;.*?\buser=(?P<pam>\S*)|"
    r"maximum authentication attempts exceeded for (?:invalid user )?(?P<max>\S+))"
    r".*?\b(?:from|rhost=)\s*(?P<ip>[0-9a-fA-F.:]+)"
)
_ACCEPTED = re.compile(
    r"Accepted (?P<method>password|publickey|keyboard-interactive(?:/pam)?|gssapi-with-mic) "
    r"for (?P<user>\S+) from (?P<ip>[0-9a-fA-F.:]+)"
)
# Failures from one address that make a success from it suspicious, and that make a brute force.
SUSPICIOUS_AFTER = 5


@dataclass
class _Source:
    failures: int = 0
    users: set[str] = field(default_factory=set)
    first_failure: LogEntry | None = None


def auth_findings(entries: list[LogEntry]) -> list[Finding]:
    sources: dict[str, _Source] = defaultdict(_Source)
    compromised: list[Finding] = []
    for entry in entries:
        text = entry.text
        if failed := _FAILED.search(text):
            source = sources[failed["ip"]]
            source.failures += 1
            user = failed["user"] or failed["invalid"] or failed["pam"] or failed["max"] or "?"
            source.users.add(user)
            source.first_failure = source.first_failure or entry
        elif (accepted := _ACCEPTED.search(text)) and sources[accepted["ip"]].failures >= SUSPICIOUS_AFTER:
            source = sources[accepted["ip"]]
            login = f"Accepted {accepted['method']} for {accepted['user']} from {accepted['ip']}"
            failures = f"{source.failures} failed logins from that address"
            compromised.append(
                Finding(
                    severity=Severity.CRITICAL,
                    code="login_after_brute_force",
                    message=(
                        f"Likely compromise: {login}{_when(entry, ' at ')} after {failures}"
                        f"{_when(source.first_failure, ' since ')}: a brute force that succeeded. Treat the "
                        "account as compromised: lock it, end its sessions, check what it ran."
                    ),
                )
            )
    attempts = [
        Finding(
            severity=Severity.WARNING,
            code="brute_force",
            message=(
                f"{source.failures} failed logins from {ip} for {len(source.users)} user name(s)"
                f"{_when(source.first_failure, ' since ')}: a password-guessing attack."
            ),
        )
        for ip, source in sorted(sources.items(), key=lambda item: -item[1].failures)
        if source.failures >= 2 * SUSPICIOUS_AFTER
    ]
    return compromised + attempts[:3]


def _when(entry: LogEntry | None, prefix: str = "") -> str:
    if entry is None or entry.timestamp is None:
        return ""
    return prefix + entry.timestamp.isoformat()

"""What changed just before it broke: a configuration refresh, a deploy, a rollout, a setting
applied at run time or a credential rotated in the minutes before the first error. Engineers ask
this first when the errors themselves only say that something is waiting or timing out."""

from __future__ import annotations

import datetime as dt
import re

from app.agents.logs.parsing import LogEntry

WINDOW = dt.timedelta(minutes=10)
_CHANGE = re.compile(
    r"\b(?:config(?:uration)?|settings?|properties|feature[ -]flags?|flags?|parameters?|keys)\b[^.]{0,60}?"
    r"\b(?:changed|updated|reloaded|refreshed|applied|modified|toggled|set to|enabled|disabled)\b|"
    r"\b(?:reload(?:ed|ing)?|refresh(?:ed|ing)?|appl(?:y|ying|ied))\b[^.]{0,40}?\b(?:config(?:uration)?|settings?)\b|"
    r"\bconfig(?:uration)? reload\b|\bloaded (?:new )?(?:\w+ )?(?:profile|config(?:uration)?|settings)\b|"
    r"\b(?:deployed|deploying|rolled out|rolling out|rollout of|upgraded to|downgraded to|released)\b|"
    r"\bscaled? (?:down|up|to)\b|"
    r"\bdrop(?:ped)? (?:the )?(?:index|table|column)|\bdropIndex(?:es)?\b|"
    r"\b(?:DROP|ALTER|CREATE) (?:INDEX|TABLE)\b|"
    r"\bschema migration\b|\bmigrations? (?:applied|ran|completed)\b|"
    r"\bcontent changed\b|\bupdated content of\b|\bfile .{0,80} changed\b|"  # Puppet, Chef
    r"\brotated? (?:the )?(?:keys?|secrets?|passwords?|credentials?|certificates?)\b|"
    # A link setting the kernel reports changing ("eno1: changing MTU from 1500 to 9000"); other
    # "changing X from A to B" lines are mostly states a program moves through.
    r"\bchang(?:e[ds]?|ing) (?:the )?(?:MTU|speed|duplex)\b[^.]{0,20}?\bfrom \S+ to \S+",
    re.IGNORECASE,
)
# Routine events that mention a setting without changing one (IIS shutting an idle worker down
# "as the timeout configuration was set to 20 minutes").
_NOT_A_CHANGE = re.compile(r"due to inactivity|idle time-?out|\brecycl", re.IGNORECASE)
# "40 -> 4", "from 40 to 4": a value that was changed, shown in the same line.
_NEW_VALUE = re.compile(r"\S+\s*(?:->|=>|→)\s*\S+|\bfrom \S+ to \S+", re.IGNORECASE)


def change_before(
    entries: list[LogEntry], first_error: dt.datetime | None, window: dt.timedelta = WINDOW
) -> LogEntry | None:
    """The change logged closest before the first error, within the window (ten minutes unless
    said); one that shows the new value wins over one that does not."""
    if first_error is None:
        return None
    found = [
        e
        for e in entries
        if e.timestamp is not None
        and first_error - window <= e.timestamp <= first_error
        and not e.is_error
        and e.status is None
        and is_change(e)
    ]
    if not found:
        return None
    return max(
        found, key=lambda e: (bool(_NEW_VALUE.search(e.message)), e.timestamp or first_error, e.line_no)
    )


def is_change(entry: LogEntry) -> bool:
    """Whether a line says that something was changed (a setting, a deploy, a file's content)."""
    return bool(_CHANGE.search(entry.message)) and not _NOT_A_CHANGE.search(entry.message)


def described(change: LogEntry) -> str:
    """What a change line said: its message, or for a JSON line the whole line (its fields carry
    the new values: `"preset": "veryslow"`)."""
    return change.text.strip() if change.text.lstrip().startswith("{") else change.message

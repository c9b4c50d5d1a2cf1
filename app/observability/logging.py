"""structlog set-up: JSON (or console) lines, contextvars for request id and key label, no secrets."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

import orjson
import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from app.observability.tracing import add_trace_id
from app.security.redaction import SecretRedactor

# Stack traces as data, without frame locals: locals hold request bodies and keys.
_TRACEBACKS = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)


class _LogRedactor:
    """structlog processor around the shared SecretRedactor."""

    def __init__(self, known_secrets: Iterable[str]) -> None:
        self.redactor = SecretRedactor(known_secrets)

    def __call__(self, logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        return self.redactor.clean_mapping(event_dict)


class _Stdout:
    """Writes to whatever `sys.stdout` is at the time, so cached loggers follow redirections."""

    def write(self, data: bytes) -> None:
        sys.stdout.buffer.write(data)

    def flush(self) -> None:
        sys.stdout.flush()


class _StdoutText:
    def write(self, data: str) -> None:
        sys.stdout.write(data)

    def flush(self) -> None:
        sys.stdout.flush()


def _drop_color_message(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    """Uvicorn adds an ANSI-coloured copy of its message; the plain one is enough."""
    event_dict.pop("color_message", None)
    return event_dict


def _orjson_str(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def _orjson_bytes(obj: Any, **_: Any) -> bytes:
    return orjson.dumps(obj, default=str)


def configure_logging(level: str = "INFO", fmt: str = "json", known_secrets: Iterable[str] = ()) -> None:
    """Configure structlog and route stdlib (uvicorn) logs through the same processors.

    The processor list is updated in place, so loggers cached before a reconfiguration (and
    `structlog.testing.capture_logs`) keep seeing the current pipeline.
    """
    redactor = _LogRedactor(known_secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if fmt == "console":
        tail: list[Processor] = [
            structlog.processors.format_exc_info,  # the traceback as text, so it is scrubbed too
            redactor,
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ]
        renderer = tail[-1]
        logger_factory: Any = structlog.PrintLoggerFactory(_StdoutText())  # type: ignore[arg-type]
    else:
        tail = [
            _TRACEBACKS,  # rendered first: exception messages carry secrets as often as events do
            redactor,
            structlog.processors.JSONRenderer(serializer=_orjson_bytes),
        ]
        renderer = structlog.processors.JSONRenderer(serializer=_orjson_str)
        logger_factory = structlog.BytesLoggerFactory(_Stdout())  # type: ignore[arg-type]

    processors = structlog.get_config()["processors"]
    processors.clear()
    processors.extend([*shared, *tail])
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=logger_factory,
        cache_logger_on_first_use=True,
    )

    stdlib_tail: list[Processor] = [
        structlog.processors.format_exc_info if fmt == "console" else _TRACEBACKS,
        redactor,
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *stdlib_tail,
            renderer,
        ],
    )
    _route_stdlib(formatter, level)


def _route_stdlib(formatter: logging.Formatter, level: str) -> None:
    """The standard library's loggers (uvicorn, alembic, drain3) write through `formatter`."""
    handler = logging.StreamHandler(_StdoutText())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
    quiet = max(logging.WARNING, logging.getLevelNamesMapping()[level])
    # alembic narrates every migration; drain3 announces each template miner (one per log analysis)
    for chatty in ("alembic", "drain3"):
        logging.getLogger(chatty).setLevel(quiet)
    # The service writes its own access line, with route template and request id.
    logging.getLogger("uvicorn.access").disabled = True

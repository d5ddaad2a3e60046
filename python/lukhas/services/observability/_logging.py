"""Structured-logging helpers.  The library installs no handlers; these are for callers."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "log_event"]

_FIELDS_ATTR = "lukhas_fields"


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO,
              **fields: Any) -> None:
    """Log ``event`` with structured ``fields`` that :class:`JsonFormatter` emits as keys.

    Other formatters still show a readable ``event key=value ...`` message.

    Parameters
    ----------
    logger : logging.Logger
    event : str
        Short, stable event name (``"cache.miss"``).
    level : int, default=logging.INFO
    **fields
        JSON-serialisable values (others are rendered with ``repr``).
    """
    if logger.isEnabledFor(level):
        text = " ".join([event, *(f"{k}={v!r}" for k, v in fields.items())])
        logger.log(level, "%s", text, extra={_FIELDS_ATTR: {"event": event, **fields}})


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line.

    Keys: ``timestamp`` (ISO 8601 UTC), ``level``, ``logger``, ``message``, the
    fields passed to :func:`log_event`, and ``exception`` when there is one.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> handler = logging.StreamHandler(stream)
    >>> handler.setFormatter(JsonFormatter())
    >>> log = logging.getLogger("doc.json")
    >>> log.addHandler(handler); log.setLevel(logging.INFO); log.propagate = False
    >>> log_event(log, "job.done", items=3)
    >>> record = json.loads(stream.getvalue())
    >>> record["event"], record["items"], record["level"]
    ('job.done', 3, 'INFO')
    """

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(getattr(record, _FIELDS_ATTR, {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=repr, ensure_ascii=False)

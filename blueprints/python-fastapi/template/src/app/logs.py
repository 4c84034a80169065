"""JSON logs, one object per line on stdout.

Only the fields named in `_FIELDS` are copied from a record's `extra`, so nothing
else (a header, a token) can reach the logs by accident. No code here or elsewhere
logs headers, tokens or keys.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Final

from .context import request_id_var

_FIELDS: Final = (
    "event",
    "reason",
    "principal",
    "client",
    "request_id",
    "method",
    "path",
    "status",
    "keys",
    "host",
    "port",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if "request_id" not in entry and request_id_var.get() != "-":
            entry["request_id"] = request_id_var.get()
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own loggers go through the same handler; its access log is off
    # (requests are logged by the audit events, with the request ID).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True

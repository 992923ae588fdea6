"""One line on stderr per HTTP request aiohttp could not read, never a traceback.

aiohttp logs a malformed request (a bad request line, a bad Content-Length, TLS spoken to the
plain-HTTP port...) with `logger.exception`, i.e. a full traceback each time: 5 MB per 12,000 such
requests. The gateway hands aiohttp this logger instead: each record becomes
`paychaos gateway: <what aiohttp says> from <peer>: <ExceptionType>: <first line of its message>`,
masked (card numbers) and cut to MAX_LINE characters.
"""

from __future__ import annotations

import logging
import sys

from paychaos.common.masking import mask_text

MAX_LINE = 300


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage().replace("Error handling request", "malformed HTTP request")
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            detail = " ".join(w for w in str(getattr(exc, "message", None) or exc).split() if w.strip("^"))
            text += f": {type(exc).__name__}" + (f": {detail}" if detail else "")
        text = mask_text("paychaos gateway: " + " ".join(text.split()))
        return text if len(text) <= MAX_LINE else text[:MAX_LINE - 3] + "..."


def request_error_log() -> logging.Logger:
    """The logger for aiohttp's request handler: one masked line per record, to stderr."""
    log = logging.getLogger("paychaos.gateway.http")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter())
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)  # aiohttp logs non-HTTP first bytes at debug: one line for them too
        log.propagate = False
    return log

"""The gateway's bounds, in one place: what a flag or a /_sim body may set, and how big or deep a
request may be. Each is checked where the value is read, so a handler never sees one out of range."""

from __future__ import annotations

MAX_PROCESSING_DELAY_MS = 600_000   # `--processing-delay-ms`, `/_sim/config`: ten minutes at most
MAX_WEBHOOK_TIMEOUT_S = 600.0       # `--webhook-timeout-s`
MAX_WEBHOOK_ATTEMPTS = 100          # `--webhook-max-attempts`
MAX_WEBHOOK_RETRY_BASE_MS = 600_000  # `--webhook-retry-base-ms`
MAX_API_BODY_BYTES = 1024 * 1024    # a /v1 body; more is 413 (aiohttp's client_max_size)
MAX_SIM_BODY_BYTES = 64 * 1024      # a /_sim JSON body; more is 413
MAX_SIM_JSON_DEPTH = 16             # nesting of a /_sim JSON body; deeper is 400, before it is parsed

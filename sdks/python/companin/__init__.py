"""Companin's Python client.

The routes and models are generated from the API's OpenAPI document into
`companin.generated` (one module per operation, e.g.
`companin.generated.api.assistants.create_assistant`); this package adds only what generation
cannot express: credentials (`connect`), errors as typed exceptions (`unwrap`), and streamed
replies (`stream_message`). `Idempotency-Key` is a parameter of every generated POST.
"""

from ._client import connect, unwrap
from ._errors import (
    AuthenticationError,
    BadRequestError,
    CompaninError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SessionExpiredError,
    ValidationError,
)
from ._stream import StreamEvent, stream_message
from .generated import AuthenticatedClient

__all__ = [
    "AuthenticatedClient",
    "AuthenticationError",
    "BadRequestError",
    "CompaninError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "SessionExpiredError",
    "StreamEvent",
    "ValidationError",
    "connect",
    "stream_message",
    "unwrap",
]

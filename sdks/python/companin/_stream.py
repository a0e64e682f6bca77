"""Streamed replies: `send-message` with `stream: true` answers server-sent events, which the
generated client (built for JSON) cannot read."""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from httpx_sse import connect_sse

from ._errors import error_from_body, error_from_response
from .generated import AuthenticatedClient
from .generated.models import SendMessage


@dataclass(frozen=True)
class StreamEvent:
    """One event of a streamed reply: `delta` (`data["text"]`), `sources` (`data["sources"]`),
    then `done` (`conversation_id`, `message_id`, `user_message_id`, `assistant_version`,
    `answered`, `created_at`)."""

    type: str
    data: dict[str, Any]

    @property
    def text(self) -> str:
        """A `delta`'s piece of the reply ("" for the other events)."""
        return str(self.data.get("text", "")) if self.type == "delta" else ""


def stream_message(
    client: AuthenticatedClient,
    body: SendMessage | Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
) -> Iterator[StreamEvent]:
    """Sends a message and yields its reply's events as they arrive.

    A refusal before the stream (404, 409, 410, 422, …) raises its `CompaninError`, as does an
    `error` event mid-reply (nothing is stored then). Leaving the loop early closes the
    connection, which stops the generation; nothing is stored either.
    """
    payload = body.to_dict() if isinstance(body, SendMessage) else dict(body)
    payload["stream"] = True
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    http = client.get_httpx_client()
    with connect_sse(
        http, "POST", "/conversations/send-message", json=payload, headers=headers
    ) as source:
        response = source.response
        if response.status_code != 200:
            response.read()
            raise error_from_response(response.status_code, response.content, response.headers)
        for sse in source.iter_sse():
            data = json.loads(sse.data) if sse.data else {}
            if sse.event == "error":
                raise error_from_body(500, data)
            yield StreamEvent(sse.event, data)

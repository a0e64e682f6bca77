from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UsageCounts")


@_attrs_define
class UsageCounts:
    """What happened in one bucket (or in the whole range).

    Attributes:
        errors (int): Responses with status 400 or above.
        knowledge_items (int): Knowledge items created.
        messages (int): Messages sent by visitors (their questions).
        requests (int):
        server_errors (int): Of the errors, responses with status 500 or above. `requests - errors` succeeded
            and `errors - server_errors` were client errors (4xx).
    """

    errors: int
    knowledge_items: int
    messages: int
    requests: int
    server_errors: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        errors = self.errors

        knowledge_items = self.knowledge_items

        messages = self.messages

        requests = self.requests

        server_errors = self.server_errors

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "errors": errors,
                "knowledge_items": knowledge_items,
                "messages": messages,
                "requests": requests,
                "server_errors": server_errors,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        errors = d.pop("errors")

        knowledge_items = d.pop("knowledge_items")

        messages = d.pop("messages")

        requests = d.pop("requests")

        server_errors = d.pop("server_errors")

        usage_counts = cls(
            errors=errors,
            knowledge_items=knowledge_items,
            messages=messages,
            requests=requests,
            server_errors=server_errors,
        )

        usage_counts.additional_properties = d
        return usage_counts

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties

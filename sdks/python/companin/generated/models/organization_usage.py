from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.organization import Organization


T = TypeVar("T", bound="OrganizationUsage")


@_attrs_define
class OrganizationUsage:
    """One organization's usage over the report's range, both environments together.

    Attributes:
        conversations (int): Conversations that started in the range.
        errors (int): Of those, responses with status 400 or above.
        knowledge_chunks (int): Their indexed chunks now: the size of what retrieval searches.
        knowledge_items (int): Knowledge items kept now.
        messages (int): Questions visitors asked in the range.
        organization (Organization): A tenant.
        requests (int): API requests in the range.
    """

    conversations: int
    errors: int
    knowledge_chunks: int
    knowledge_items: int
    messages: int
    organization: Organization
    requests: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        errors = self.errors

        knowledge_chunks = self.knowledge_chunks

        knowledge_items = self.knowledge_items

        messages = self.messages

        organization = self.organization.to_dict()

        requests = self.requests

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "errors": errors,
                "knowledge_chunks": knowledge_chunks,
                "knowledge_items": knowledge_items,
                "messages": messages,
                "organization": organization,
                "requests": requests,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.organization import Organization

        d = dict(src_dict)
        conversations = d.pop("conversations")

        errors = d.pop("errors")

        knowledge_chunks = d.pop("knowledge_chunks")

        knowledge_items = d.pop("knowledge_items")

        messages = d.pop("messages")

        organization = Organization.from_dict(d.pop("organization"))

        requests = d.pop("requests")

        organization_usage = cls(
            conversations=conversations,
            errors=errors,
            knowledge_chunks=knowledge_chunks,
            knowledge_items=knowledge_items,
            messages=messages,
            organization=organization,
            requests=requests,
        )

        organization_usage.additional_properties = d
        return organization_usage

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

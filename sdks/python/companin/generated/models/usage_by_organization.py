from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.organization_usage import OrganizationUsage


T = TypeVar("T", bound="UsageByOrganization")


@_attrs_define
class UsageByOrganization:
    """Usage per organization over `[from, to)`, a page of organizations at a time (newest
    first, as the organization list).

        Attributes:
            from_ (datetime.datetime):
            items (list[OrganizationUsage]):
            limit (int):
            offset (int):
            to (datetime.datetime):
            total (int): Organizations in all.
    """

    from_: datetime.datetime
    items: list[OrganizationUsage]
    limit: int
    offset: int
    to: datetime.datetime
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        limit = self.limit

        offset = self.offset

        to = self.to.isoformat()

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "items": items,
                "limit": limit,
                "offset": offset,
                "to": to,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.organization_usage import OrganizationUsage

        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = OrganizationUsage.from_dict(items_item_data)

            items.append(items_item)

        limit = d.pop("limit")

        offset = d.pop("offset")

        to = datetime.datetime.fromisoformat(d.pop("to"))

        total = d.pop("total")

        usage_by_organization = cls(
            from_=from_,
            items=items,
            limit=limit,
            offset=offset,
            to=to,
            total=total,
        )

        usage_by_organization.additional_properties = d
        return usage_by_organization

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

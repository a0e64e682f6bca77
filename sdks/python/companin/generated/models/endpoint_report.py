from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.endpoint_stats import EndpointStats
    from ..models.traffic_stats import TrafficStats


T = TypeVar("T", bound="EndpointReport")


@_attrs_define
class EndpointReport:
    """Traffic per endpoint over `[from, to)`, busiest first, and over all endpoints.

    Attributes:
        from_ (datetime.datetime):
        items (list[EndpointStats]):
        overall (TrafficStats): Requests, errors and latency of one endpoint, or of all of them together.
        to (datetime.datetime):
        total (int): Endpoints in the report.
    """

    from_: datetime.datetime
    items: list[EndpointStats]
    overall: TrafficStats
    to: datetime.datetime
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        overall = self.overall.to_dict()

        to = self.to.isoformat()

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "items": items,
                "overall": overall,
                "to": to,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.endpoint_stats import EndpointStats
        from ..models.traffic_stats import TrafficStats

        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = EndpointStats.from_dict(items_item_data)

            items.append(items_item)

        overall = TrafficStats.from_dict(d.pop("overall"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        total = d.pop("total")

        endpoint_report = cls(
            from_=from_,
            items=items,
            overall=overall,
            to=to,
            total=total,
        )

        endpoint_report.additional_properties = d
        return endpoint_report

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

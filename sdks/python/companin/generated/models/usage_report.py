from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.usage_interval import UsageInterval
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage_bucket import UsageBucket
    from ..models.usage_counts import UsageCounts


T = TypeVar("T", bound="UsageReport")


@_attrs_define
class UsageReport:
    """Usage over time: every bucket of the range, empty ones included.

    Attributes:
        buckets (list[UsageBucket]):
        from_ (datetime.datetime): The range, widened to whole buckets.
        interval (UsageInterval): Bucket size of the usage report.
        to (datetime.datetime):
        totals (UsageCounts): What happened in one bucket (or in the whole range).
        client_id (None | str | Unset): When given, `requests` and `errors` count only this client's requests; messages
            and
            knowledge belong to the organization and are counted for all its clients.
    """

    buckets: list[UsageBucket]
    from_: datetime.datetime
    interval: UsageInterval
    to: datetime.datetime
    totals: UsageCounts
    client_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        buckets = []
        for buckets_item_data in self.buckets:
            buckets_item = buckets_item_data.to_dict()
            buckets.append(buckets_item)

        from_ = self.from_.isoformat()

        interval = self.interval.value

        to = self.to.isoformat()

        totals = self.totals.to_dict()

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "buckets": buckets,
                "from": from_,
                "interval": interval,
                "to": to,
                "totals": totals,
            }
        )
        if client_id is not UNSET:
            field_dict["client_id"] = client_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.usage_bucket import UsageBucket
        from ..models.usage_counts import UsageCounts

        d = dict(src_dict)
        buckets = []
        _buckets = d.pop("buckets")
        for buckets_item_data in _buckets:
            buckets_item = UsageBucket.from_dict(buckets_item_data)

            buckets.append(buckets_item)

        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        interval = UsageInterval(d.pop("interval"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        totals = UsageCounts.from_dict(d.pop("totals"))

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        usage_report = cls(
            buckets=buckets,
            from_=from_,
            interval=interval,
            to=to,
            totals=totals,
            client_id=client_id,
        )

        usage_report.additional_properties = d
        return usage_report

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

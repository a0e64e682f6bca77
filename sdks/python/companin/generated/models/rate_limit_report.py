from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.current_window import CurrentWindow
    from ..models.rate_limit_event_list import RateLimitEventList
    from ..models.rate_limit_totals import RateLimitTotals
    from ..models.rate_limit_window import RateLimitWindow


T = TypeVar("T", bound="RateLimitReport")


@_attrs_define
class RateLimitReport:
    """The rate limit over `[from, to)` and now.

    Attributes:
        current_day (CurrentWindow): The rate-limit window in force now.
        current_window (CurrentWindow): The rate-limit window in force now.
        events (RateLimitEventList): A page of rate-limit events, newest first.
        from_ (datetime.datetime):
        to (datetime.datetime):
        totals (RateLimitTotals): Sums over the windows of the range.
        windows (list[RateLimitWindow]): The windows overlapping the range that saw requests, oldest first.
    """

    current_day: CurrentWindow
    current_window: CurrentWindow
    events: RateLimitEventList
    from_: datetime.datetime
    to: datetime.datetime
    totals: RateLimitTotals
    windows: list[RateLimitWindow]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        current_day = self.current_day.to_dict()

        current_window = self.current_window.to_dict()

        events = self.events.to_dict()

        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        totals = self.totals.to_dict()

        windows = []
        for windows_item_data in self.windows:
            windows_item = windows_item_data.to_dict()
            windows.append(windows_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "current_day": current_day,
                "current_window": current_window,
                "events": events,
                "from": from_,
                "to": to,
                "totals": totals,
                "windows": windows,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.current_window import CurrentWindow
        from ..models.rate_limit_event_list import RateLimitEventList
        from ..models.rate_limit_totals import RateLimitTotals
        from ..models.rate_limit_window import RateLimitWindow

        d = dict(src_dict)
        current_day = CurrentWindow.from_dict(d.pop("current_day"))

        current_window = CurrentWindow.from_dict(d.pop("current_window"))

        events = RateLimitEventList.from_dict(d.pop("events"))

        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        totals = RateLimitTotals.from_dict(d.pop("totals"))

        windows = []
        _windows = d.pop("windows")
        for windows_item_data in _windows:
            windows_item = RateLimitWindow.from_dict(windows_item_data)

            windows.append(windows_item)

        rate_limit_report = cls(
            current_day=current_day,
            current_window=current_window,
            events=events,
            from_=from_,
            to=to,
            totals=totals,
            windows=windows,
        )

        rate_limit_report.additional_properties = d
        return rate_limit_report

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

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ErrorBody")


@_attrs_define
class ErrorBody:
    """The error body, the same for every error of every route.

    Attributes:
        code (str): A stable machine-readable code (see docs/api.md).
        detail (str): A human sentence saying what went wrong.
        request_id (str): The request id, also sent as `X-Request-Id`.
        status (str): Always `error`.
        status_code (int): The HTTP status, repeated.
        data (Any | Unset): Field details, when there are any.
    """

    code: str
    detail: str
    request_id: str
    status: str
    status_code: int
    data: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        detail = self.detail

        request_id = self.request_id

        status = self.status

        status_code = self.status_code

        data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "detail": detail,
                "request_id": request_id,
                "status": status,
                "status_code": status_code,
            }
        )
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        detail = d.pop("detail")

        request_id = d.pop("request_id")

        status = d.pop("status")

        status_code = d.pop("status_code")

        data = d.pop("data", UNSET)

        error_body = cls(
            code=code,
            detail=detail,
            request_id=request_id,
            status=status,
            status_code=status_code,
            data=data,
        )

        error_body.additional_properties = d
        return error_body

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

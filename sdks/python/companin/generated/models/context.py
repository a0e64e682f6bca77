from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.context_traits import ContextTraits
    from ..models.crm_ref import CrmRef


T = TypeVar("T", bound="Context")


@_attrs_define
class Context:
    """Traits about a session, a visitor or a user.

    Attributes:
        created_at (datetime.datetime):
        id (str):
        traits (ContextTraits):
        updated_at (datetime.datetime):
        crm (CrmRef | None | Unset):
        session_id (None | str | Unset):
        user_id (None | str | Unset):
        visitor_id (None | str | Unset):
    """

    created_at: datetime.datetime
    id: str
    traits: ContextTraits
    updated_at: datetime.datetime
    crm: CrmRef | None | Unset = UNSET
    session_id: None | str | Unset = UNSET
    user_id: None | str | Unset = UNSET
    visitor_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.crm_ref import CrmRef

        created_at = self.created_at.isoformat()

        id = self.id

        traits = self.traits.to_dict()

        updated_at = self.updated_at.isoformat()

        crm: dict[str, Any] | None | Unset
        if isinstance(self.crm, Unset):
            crm = UNSET
        elif isinstance(self.crm, CrmRef):
            crm = self.crm.to_dict()
        else:
            crm = self.crm

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        visitor_id: None | str | Unset
        if isinstance(self.visitor_id, Unset):
            visitor_id = UNSET
        else:
            visitor_id = self.visitor_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "traits": traits,
                "updated_at": updated_at,
            }
        )
        if crm is not UNSET:
            field_dict["crm"] = crm
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if visitor_id is not UNSET:
            field_dict["visitor_id"] = visitor_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.context_traits import ContextTraits
        from ..models.crm_ref import CrmRef

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        traits = ContextTraits.from_dict(d.pop("traits"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_crm(data: object) -> CrmRef | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                crm_type_1 = CrmRef.from_dict(data)

                return crm_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CrmRef | None | Unset, data)

        crm = _parse_crm(d.pop("crm", UNSET))

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_visitor_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        visitor_id = _parse_visitor_id(d.pop("visitor_id", UNSET))

        context = cls(
            created_at=created_at,
            id=id,
            traits=traits,
            updated_at=updated_at,
            crm=crm,
            session_id=session_id,
            user_id=user_id,
            visitor_id=visitor_id,
        )

        context.additional_properties = d
        return context

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

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.crm_ref import CrmRef
    from ..models.update_context_traits_type_0 import UpdateContextTraitsType0


T = TypeVar("T", bound="UpdateContext")


@_attrs_define
class UpdateContext:
    """Changes to a context.

    Attributes:
        crm (CrmRef | None | Unset): A new CRM record, or `null` to remove it.
        traits (None | Unset | UpdateContextTraitsType0): Merged into the traits; a `null` value removes its key.
    """

    crm: CrmRef | None | Unset = UNSET
    traits: None | Unset | UpdateContextTraitsType0 = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.crm_ref import CrmRef
        from ..models.update_context_traits_type_0 import UpdateContextTraitsType0

        crm: dict[str, Any] | None | Unset
        if isinstance(self.crm, Unset):
            crm = UNSET
        elif isinstance(self.crm, CrmRef):
            crm = self.crm.to_dict()
        else:
            crm = self.crm

        traits: dict[str, Any] | None | Unset
        if isinstance(self.traits, Unset):
            traits = UNSET
        elif isinstance(self.traits, UpdateContextTraitsType0):
            traits = self.traits.to_dict()
        else:
            traits = self.traits

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if crm is not UNSET:
            field_dict["crm"] = crm
        if traits is not UNSET:
            field_dict["traits"] = traits

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.crm_ref import CrmRef
        from ..models.update_context_traits_type_0 import UpdateContextTraitsType0

        d = dict(src_dict)

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

        def _parse_traits(data: object) -> None | Unset | UpdateContextTraitsType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                traits_type_0 = UpdateContextTraitsType0.from_dict(data)

                return traits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateContextTraitsType0, data)

        traits = _parse_traits(d.pop("traits", UNSET))

        update_context = cls(
            crm=crm,
            traits=traits,
        )

        update_context.additional_properties = d
        return update_context

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

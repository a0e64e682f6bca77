from enum import StrEnum


class SummaryKind(StrEnum):
    EXTRACTIVE = "extractive"
    GENERATED = "generated"

    def __str__(self) -> str:
        return str(self.value)

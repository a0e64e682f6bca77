from enum import StrEnum


class LanguageSource(StrEnum):
    CHOSEN = "chosen"
    DETECTED = "detected"

    def __str__(self) -> str:
        return str(self.value)

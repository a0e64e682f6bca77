from enum import StrEnum


class RateLimitEventKind(StrEnum):
    BLOCKED = "blocked"
    WARNING = "warning"

    def __str__(self) -> str:
        return str(self.value)

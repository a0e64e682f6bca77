from enum import StrEnum


class ReplyModeName(StrEnum):
    EXTRACTIVE = "extractive"
    GENERATIVE = "generative"

    def __str__(self) -> str:
        return str(self.value)

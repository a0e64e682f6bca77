from enum import StrEnum


class Retriever(StrEnum):
    DENSE = "dense"
    LEXICAL = "lexical"

    def __str__(self) -> str:
        return str(self.value)

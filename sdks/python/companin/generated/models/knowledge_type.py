from enum import StrEnum


class KnowledgeType(StrEnum):
    FILE = "file"
    QA = "qa"
    TEXT = "text"
    URL = "url"

    def __str__(self) -> str:
        return str(self.value)

from enum import StrEnum


class CreateKnowledgeType(StrEnum):
    QA = "qa"
    TEXT = "text"
    URL = "url"

    def __str__(self) -> str:
        return str(self.value)

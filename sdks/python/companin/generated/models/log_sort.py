from enum import StrEnum


class LogSort(StrEnum):
    LATENCY = "latency"
    TIME = "time"
    VALUE_0 = "-time"
    VALUE_2 = "-latency"

    def __str__(self) -> str:
        return str(self.value)

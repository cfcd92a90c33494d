"""Column types for enumerations, stored as their national codes or stable string values."""
from __future__ import annotations

import enum

from sqlalchemy import Enum as SAEnum
from sqlalchemy import SmallInteger, TypeDecorator


def str_enum(enum_class: type[enum.Enum], length: int = 20) -> SAEnum:
    """A VARCHAR column holding the enum's *values* (not its Python names), with a CHECK."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        name=enum_class.__name__.lower(),
    )


class IntEnumType(TypeDecorator):
    """A small integer column mapped to an :class:`enum.IntEnum` (national numeric codes)."""

    impl = SmallInteger
    cache_ok = True

    def __init__(self, enum_class: type[enum.IntEnum]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(self.enum_class(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.enum_class(value)

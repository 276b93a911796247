"""The marker for "the caller did not give this field" in partial updates.

An explicit ``None`` clears a nullable field; ``UNCHANGED`` leaves it alone. A one-member enum
lets type checkers narrow ``x is not UNCHANGED`` to the field's real type.
"""

from __future__ import annotations

import enum


class Unchanged(enum.Enum):
    UNCHANGED = "UNCHANGED"


UNCHANGED = Unchanged.UNCHANGED

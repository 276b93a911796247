"""A reporting period ``[start, end)`` cut into DAY, WEEK or MONTH buckets (UTC).

Buckets are aligned to the calendar in UTC — days at midnight, weeks on Monday (ISO 8601),
months on the 1st — and clipped to the period, so the first and the last may be partial and
together they cover the period exactly: any count over the buckets adds up to the period's.

Each bucket has an *ordinal*, a whole number SQL computes from a timestamp alone (days since
1970-01-01, Monday weeks since 1969-12-29, or ``year * 12 + month - 1``; see ``sql.py``). A row's
bucket is then ``ordinal(row) - period.first_ordinal``, with no bucket table to join.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from advocacy.kit.errors import DomainError, ErrorCode

MAX_BUCKETS = 400
"""A longer series is refused: a client asking for years by day gets a clear error instead of
a huge answer."""

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
WEEK_EPOCH_OFFSET_DAYS = 3
"""1970-01-01 was a Thursday: the Monday week containing it started three days earlier."""


class Interval(enum.StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


def ordinal(moment: dt.datetime, interval: Interval) -> int:
    """The number of the UTC bucket holding ``moment`` (the Python twin of ``sql.ordinal``)."""
    moment = moment.astimezone(dt.UTC)
    if interval == Interval.MONTH:
        return moment.year * 12 + moment.month - 1
    days = (moment.date() - EPOCH.date()).days
    return days if interval == Interval.DAY else (days + WEEK_EPOCH_OFFSET_DAYS) // 7


def ordinal_start(number: int, interval: Interval) -> dt.datetime:
    """When bucket ``number`` begins."""
    if interval == Interval.MONTH:
        return dt.datetime(number // 12, number % 12 + 1, 1, tzinfo=dt.UTC)
    if interval == Interval.DAY:
        return EPOCH + dt.timedelta(days=number)
    return EPOCH + dt.timedelta(days=7 * number - WEEK_EPOCH_OFFSET_DAYS)


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime
    """Exclusive."""
    interval: Interval
    first_ordinal: int
    buckets: tuple[Bucket, ...]

    def index_of(self, bucket_ordinal: int) -> int:
        """The position in ``buckets`` of a row whose timestamp (inside the period) has this
        ordinal."""
        return bucket_ordinal - self.first_ordinal


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(
            ErrorCode.INVALID, f"{field} needs a UTC offset, e.g. 2026-01-31T09:00:00Z", field
        )
    return value.astimezone(dt.UTC)


def make_period(start: dt.datetime, end: dt.datetime, interval: Interval) -> Period:
    """The checked period: aware times, ``start`` before ``end``, at most ``MAX_BUCKETS``
    buckets of ``interval``."""
    start, end = _aware(start, "from"), _aware(end, "to")
    if start < EPOCH:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "from must not be before 1970-01-01", "from")
    if end > LATEST:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "to must not be after 9999-01-01", "to")
    if start >= end:
        raise DomainError(ErrorCode.INVALID, "from must be before to", "from")
    first = ordinal(start, interval)
    last = ordinal(end - dt.timedelta(microseconds=1), interval)
    count = last - first + 1
    if count > MAX_BUCKETS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"the period holds {count} {interval.lower()}s; a series has at most {MAX_BUCKETS} "
            "buckets: shorten the period or use a longer interval",
            "interval",
        )
    buckets = tuple(
        Bucket(
            max(start, ordinal_start(number, interval)),
            min(end, ordinal_start(number + 1, interval)),
        )
        for number in range(first, last + 1)
    )
    return Period(start, end, interval, first, buckets)

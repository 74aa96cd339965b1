"""Audit event ids: version 7 UUIDs, so events written in time order append to the key index."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from novamind_desktop.domain.audit import new_event_id


def test_event_ids_are_version_7_with_the_time_in_front() -> None:
    before = time.time_ns() // 1_000_000
    event_id = new_event_id()
    after = time.time_ns() // 1_000_000
    assert (event_id.version, event_id.variant) == (7, "specified in RFC 4122")
    assert before <= event_id.int >> 80 <= after
    stamped = datetime.fromtimestamp((event_id.int >> 80) / 1000, UTC)
    assert abs((stamped - datetime.now(UTC)).total_seconds()) < 5


def test_later_events_sort_after_earlier_ones_and_ids_do_not_repeat() -> None:
    earlier = [new_event_id() for _ in range(1000)]
    time.sleep(0.002)
    later = new_event_id()
    assert all(event_id < later for event_id in earlier)
    assert len(set(earlier)) == len(earlier)

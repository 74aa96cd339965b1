"""Fixtures of the service tests (test_services_*): the clinic, and the watch on the logs
each of those modules turns on for all its tests with
`pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_helpers import Clinic, set_up_clinic, watch_logs_for_phi
from storage_samples import PHI_VALUES as STORED_SAMPLE_VALUES


@pytest.fixture
def logs_hold_no_phi(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield from watch_logs_for_phi(caplog)


@pytest.fixture
def storage_logs_hold_no_phi(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The same watch for the storage tests, which store storage_samples' patient."""
    yield from watch_logs_for_phi(caplog, STORED_SAMPLE_VALUES)


@pytest.fixture
def clinic(migrated_db: Any, tmp_path: Path) -> Iterator[Clinic]:
    yield from set_up_clinic(migrated_db, tmp_path)

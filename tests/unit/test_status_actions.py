"""The book's status menu offers exactly the transitions the domain allows, in menu order."""

from novamind_desktop.domain.appointments import AppointmentStatus as S
from novamind_desktop.domain.appointments import next_statuses
from novamind_desktop.presenters.book_view import allowed_statuses


def test_menu_follows_the_domain_rules():
    assert allowed_statuses(S.SCHEDULED) == [S.CHECKED_IN, S.CANCELLED, S.LATE_CANCELLED, S.NO_SHOW]
    assert allowed_statuses(S.CHECKED_IN) == [S.COMPLETED, S.SCHEDULED]
    assert allowed_statuses(S.NO_SHOW) == [S.SCHEDULED]
    assert allowed_statuses(S.COMPLETED) == []
    for status in S:
        assert set(allowed_statuses(status)) == next_statuses(status)

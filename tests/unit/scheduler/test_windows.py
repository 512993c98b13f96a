from datetime import UTC, date, datetime, time

import pytest

from encaisse.scheduler.domain.windows import (
    SendingWindow,
    is_open_day,
    next_open_day,
    next_open_slot,
    slot_on_or_after,
)

WEEK = SendingWindow()


def test_a_slot_inside_the_window_is_kept_and_one_after_hours_moves_to_the_next_morning():
    wed_10_paris = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert next_open_slot(wed_10_paris, WEEK, "Europe/Paris", "FR") == wed_10_paris
    wed_19_paris = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
    assert next_open_slot(wed_19_paris, WEEK, "Europe/Paris", "FR") == datetime(
        2026, 3, 5, 8, 0, tzinfo=UTC
    )


def test_weekends_and_the_customers_public_holidays_are_skipped_in_its_time_zone():
    # Saturday 2 May 2026 -> Monday 4 May in France
    assert slot_on_or_after(date(2026, 5, 2), WEEK, "Europe/Paris", "FR") == datetime(
        2026, 5, 4, 7, 0, tzinfo=UTC
    )
    # 8 May (Victoire 1945) is a French holiday, not a German one
    assert not is_open_day(date(2026, 5, 8), WEEK, "FR")
    assert is_open_day(date(2026, 5, 8), WEEK, "DE")
    eighth = slot_on_or_after(date(2026, 5, 8), WEEK, "Europe/Paris", "FR")
    assert eighth.date() == date(2026, 5, 11)
    # 4 July in New York opens at 09:00 local on Monday 6 July 2026 (4 July is a Saturday,
    # observed on Friday 3 July)
    assert slot_on_or_after(date(2026, 7, 3), WEEK, "America/New_York", "US") == datetime(
        2026, 7, 6, 13, 0, tzinfo=UTC
    )
    assert next_open_day(date(2026, 12, 24), WEEK, "FR") == date(2026, 12, 28)


def test_a_tenant_may_open_saturdays_and_other_hours():
    window = SendingWindow(
        weekdays=frozenset(range(6)), start=time(8), end=time(12), skip_holidays=False
    )
    assert slot_on_or_after(date(2026, 5, 2), window, "Europe/Paris", "FR") == datetime(
        2026, 5, 2, 6, 0, tzinfo=UTC
    )
    assert slot_on_or_after(date(2026, 5, 8), window, "Europe/Paris", "FR").date() == date(
        2026, 5, 8
    )
    with pytest.raises(ValueError):
        SendingWindow(weekdays=frozenset())
    with pytest.raises(ValueError):
        SendingWindow(start=time(18), end=time(9))


def test_an_unknown_country_has_no_holidays():
    assert is_open_day(date(2026, 5, 1), WEEK, "ZZ")

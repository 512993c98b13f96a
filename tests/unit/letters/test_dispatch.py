"""How long a letter that could not be handed to the provider rests before the next try."""

from __future__ import annotations

from encaisse.letters.usecases.dispatch import LONGEST_REST, resting_delay


def test_the_rest_doubles_up_to_five_minutes():
    assert [resting_delay(n) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert resting_delay(5000) == LONGEST_REST  # no overflow after days of failures

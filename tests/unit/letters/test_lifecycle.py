from encaisse.letters.domain.lifecycle import followed, next_poll_delay


def test_a_posted_simple_letter_has_ended_its_life_with_the_provider():
    assert followed("simple", "submitted") and not followed("simple", "posted")
    assert followed("registered", "submitted") and followed("registered", "posted")
    for final in ("delivered", "returned", "failed", "ready"):
        assert not followed("registered", final) and not followed("simple", final)


def test_polls_that_find_nothing_wait_twice_as_long_up_to_the_longest():
    delays = [next_poll_delay(n, first=5, longest=3600) for n in range(12)]
    assert delays[:5] == [5, 10, 20, 40, 80]
    assert delays[-1] == 3600 and delays == sorted(delays)
    assert next_poll_delay(10_000, first=5, longest=3600) == 3600

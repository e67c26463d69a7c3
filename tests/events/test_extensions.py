"""The events' extension point: one challenge provider at a time, removable."""

from events import extensions


def test_a_provider_is_registered_replaced_and_removed(no_board):
    assert extensions.challenge_provider() is None
    first, second = object(), object()
    extensions.challenge_provider_register(provider=first)
    assert extensions.challenge_provider() is first
    extensions.challenge_provider_register(provider=second)
    assert extensions.challenge_provider() is second
    extensions.challenge_provider_register(provider=None)
    assert extensions.challenge_provider() is None

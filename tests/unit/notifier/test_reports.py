"""What a provider's delivery report means for its message: no I/O."""

import pytest

from encaisse.contracts.notifier import FailureReason
from encaisse.notifier.domain.reports import ProviderReport, failure_of


@pytest.mark.parametrize(
    ("status", "reason", "failure"),
    [
        ("delivered", None, None),
        ("bounced", None, FailureReason.BOUNCED),
        ("bounced", FailureReason.INVALID_ADDRESS, FailureReason.INVALID_ADDRESS),
        ("bounced", FailureReason.REJECTED, FailureReason.BOUNCED),
        ("rejected", None, FailureReason.REJECTED),
        ("failed", FailureReason.PROVIDER_ERROR, FailureReason.PROVIDER_ERROR),
    ],
)
def test_a_report_fails_its_message_for_one_reason(status, reason, failure):
    assert failure_of(ProviderReport(message_id="m", status=status, reason=reason)) == failure

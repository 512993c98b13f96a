from decimal import Decimal

import pytest
from pydantic import ValidationError

from encaisse.bus.dlq import summary
from encaisse.contracts import Money


def _validation_error() -> str:
    with pytest.raises(ValidationError) as caught:
        Money(amount=Decimal("1.00"), currency="euros")
    return f"encaisse.ledger.invoice.issued.v1: {caught.value}"


def test_a_validation_error_is_summarised_by_the_field_at_fault_not_the_docs_link():
    error = _validation_error()
    assert error.strip().splitlines()[-1].strip().startswith("For further information")
    line = summary(error)
    assert "1 validation error for Money" in line and "currency" in line
    assert "String should match pattern" in line and "pydantic.dev" not in line


def test_a_traceback_is_summarised_by_its_last_line():
    error = 'Traceback (most recent call last):\n  File "x.py", line 1\nRuntimeError: widget 13\n'
    assert summary(error) == "RuntimeError: widget 13"
    assert summary("") == ""

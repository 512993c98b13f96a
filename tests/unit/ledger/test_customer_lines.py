"""A customer's CSV line as the API's body: the address and the contacts gathered, and a
refused contact field named by its column."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from encaisse.ledger.customer_lines import CONTACT_COLUMNS, column_of, customer_fields
from encaisse.ledger.models import CustomerRow


def _line(**cells):
    base = {"ref": "C1", "name": "Alpha", "segment": "sme", "country": "FR"}
    return {**base, **{column: None for column in CONTACT_COLUMNS}, **cells}


def test_contact_columns_become_contacts_and_empty_roles_none():
    fields = customer_fields(
        _line(
            finance_director_email="daf@alpha.example",
            finance_director_hours="Mon-Fri 9-12",
            buyer_phone="+33612345678",
            buyer_preferred_channel="sms",
        )
    )
    assert not set(fields) & set(CONTACT_COLUMNS)
    assert fields["contacts"] == [
        {"role": "finance_director", "email": "daf@alpha.example", "hours": "Mon-Fri 9-12"},
        {"role": "buyer", "phone": "+33612345678", "preferred_channel": "sms"},
    ]
    row = CustomerRow.model_validate(fields)
    assert [c.role.value for c in row.contacts] == ["finance_director", "buyer"]
    assert "contacts" not in customer_fields(_line())


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"manager_email": "a@b.example", "buyer_email": "nope"}, "buyer_email"),
        ({"accounts_payable_phone": "0612"}, "accounts_payable_phone"),
        (
            {"manager_preferred_channel": "pigeon", "manager_email": "m@b.example"},
            "manager_preferred_channel",
        ),
        ({"buyer_name": "Nobody"}, "buyer_email"),  # neither email nor phone
    ],
)
def test_a_refused_contact_field_is_named_by_its_column(cells, column):
    fields = customer_fields(_line(**cells))
    with pytest.raises(ValidationError) as caught:
        CustomerRow.model_validate(fields)
    [error] = caught.value.errors()
    assert column_of(tuple(error["loc"]), fields) == column


def test_other_fields_keep_their_path():
    assert column_of(("address", "city"), {}) == "address.city"
    assert column_of((), {}) == "line"

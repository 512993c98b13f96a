"""A CSV line of a customer import in the shape of the API's body, and back.

CSV is flat: the address is four columns (``address_lines`` separated by ``|``), and each
contact with a role is five, ``<role>_<field>``: ``finance_director_email``,
``finance_director_phone``, ``finance_director_name``, ``finance_director_hours``,
``finance_director_preferred_channel`` (roles: ``accounts_payable``, ``finance_director``,
``manager``, ``buyer``). A role whose columns are all empty is no contact. A refused
field of a contact is named by its column, as the file has it.
"""

from __future__ import annotations

from typing import Any

from encaisse.ledger.models import CONTACT_FIELDS, PERSON_ROLES

ADDRESS_COLUMNS = {
    "address_lines": "lines",
    "address_postal_code": "postal_code",
    "address_city": "city",
    "address_country": "country",
}
CONTACT_COLUMNS = {
    f"{role.value}_{name}": (role.value, name) for role in PERSON_ROLES for name in CONTACT_FIELDS
}


def customer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The line's cells as the API's body: the address and the contacts gathered."""
    address = {ADDRESS_COLUMNS[k]: fields.pop(k) for k in list(fields) if k in ADDRESS_COLUMNS}
    if any(v is not None for v in address.values()):
        address["lines"] = tuple((address.get("lines") or "").split("|"))
        fields["address"] = address
    people: dict[str, dict[str, Any]] = {}
    for column in [k for k in fields if k in CONTACT_COLUMNS]:
        role, name = CONTACT_COLUMNS[column]
        value = fields.pop(column)
        if value is not None:
            people.setdefault(role, {"role": role})[name] = value
    if people:
        fields["contacts"] = list(people.values())
    return fields


def column_of(loc: tuple[Any, ...], fields: dict[str, Any]) -> str:
    """The column a refused field came from (``contacts.1.email``: ``buyer_email``)."""
    if len(loc) >= 2 and loc[0] == "contacts" and isinstance(loc[1], int):
        contacts = fields.get("contacts") or []
        if loc[1] < len(contacts):
            role = contacts[loc[1]]["role"]
            return f"{role}_{loc[2]}" if len(loc) > 2 else f"{role}_email"
    return ".".join(str(p) for p in loc) or "line"

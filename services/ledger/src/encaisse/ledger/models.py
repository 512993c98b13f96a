"""What comes in over HTTP and in import files, validated field by field.

The same models serve the API and the bulk import, so a line of a file is
refused for exactly the reasons a request would be.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from encaisse.contracts.ledger import ContactRole, PaymentMethod, PreferredChannel, Segment
from encaisse.ledger import validation as v

Ref = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s/]+$")]
Amount = Annotated[
    Decimal,
    AfterValidator(v.positive_amount),
    Field(description='decimal string, such as "1250.00"'),
]
Currency = Annotated[str, AfterValidator(v.currency_code), Field(description="ISO 4217")]
Country = Annotated[str, AfterValidator(v.country_code), Field(description="ISO 3166-1 alpha-2")]
DocumentUrl = Annotated[
    str,
    AfterValidator(v.document_url),
    Field(description="where the invoice's PDF is (http or https)"),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_In):
    lines: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = Field(
        min_length=1, max_length=4
    )
    postal_code: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    country: Country


# The roles a customer's own record names (the accounting system's or the API's);
# ``billing`` is the customer's email and phone themselves, ``dunning`` the contact a
# collector collects (``RecordDunningContact``), kept apart.
PERSON_ROLES = tuple(r for r in ContactRole if r not in (ContactRole.BILLING, ContactRole.DUNNING))
CONTACT_FIELDS = ("name", "email", "phone", "hours", "preferred_channel")
Phone = Annotated[str, AfterValidator(v.e164_phone)]


class ContactIn(_In):
    """A person to reach at the customer, for the steps that address their role."""

    role: ContactRole = Field(description="accounts_payable, finance_director, manager or buyer")
    name: str | None = Field(default=None, max_length=300)
    email: EmailStr | None = None
    phone: Phone | None = Field(default=None, description="E.164, such as +33123456789")
    hours: str | None = Field(
        default=None, max_length=200, description="when to reach them: Mon-Fri 9-12"
    )
    preferred_channel: PreferredChannel | None = None

    @field_validator("role")
    @classmethod
    def _a_person(cls, role: ContactRole) -> ContactRole:
        if role not in PERSON_ROLES:
            raise ValueError(
                f"{role.value!r} is not a contact's role here: billing is the customer's own "
                "email and phone, dunning is collected on a call"
            )
        return role

    @model_validator(mode="after")
    def _reachable(self) -> ContactIn:
        if self.email is None and self.phone is None:
            raise ValueError("a contact needs an email or a phone")
        return self


class CustomerIn(_In):
    name: str = Field(min_length=1, max_length=300)
    legal_id: Annotated[str, AfterValidator(v.legal_id)] | None = Field(
        default=None, description="SIREN (9 digits) or SIRET (14 digits)"
    )
    vat_number: str | None = Field(default=None, max_length=20)
    segment: Segment
    country: Country
    language: str = Field(default="fr", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    timezone: Annotated[str, AfterValidator(v.timezone_name)] = "Europe/Paris"
    payment_method: PaymentMethod = PaymentMethod.TRANSFER
    email: EmailStr | None = None
    phone: Phone | None = Field(default=None, description="E.164, such as +33123456789")
    address: Address | None = None
    sales_rep_email: EmailStr | None = None
    excluded_from_dunning: bool = False
    contacts: tuple[ContactIn, ...] = Field(
        default=(),
        max_length=len(PERSON_ROLES),
        description="people to reach beyond the billing email and phone, one per role",
    )
    risk_class: str | None = Field(
        default=None, max_length=32, description="the tenant's own risk grade, such as high"
    )

    @field_validator("contacts")
    @classmethod
    def _one_per_role(cls, contacts: tuple[ContactIn, ...]) -> tuple[ContactIn, ...]:
        seen = [c.role for c in contacts]
        twice = sorted({r.value for r in seen if seen.count(r) > 1})
        if twice:
            raise ValueError(f"one contact per role: {', '.join(twice)} given twice")
        return contacts


class CustomerRow(CustomerIn):
    """A line of a customer import: the reference travels with the record."""

    ref: Ref


class InvoiceIn(_In):
    customer_ref: Ref
    issue_date: date
    due_date: date
    amount: Amount
    currency: Currency
    pdf_url: DocumentUrl | None = Field(default=None, max_length=2000)

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, due: date, info: ValidationInfo) -> date:
        issued = info.data.get("issue_date")
        if issued is not None and due < issued:
            raise ValueError("due_date is before issue_date")
        return due


class InvoiceRow(InvoiceIn):
    number: Ref


class AllocationIn(_In):
    invoice_number: Ref
    amount: Amount


class PaymentIn(_In):
    ref: Ref
    customer_ref: Ref
    date: date
    amount: Amount
    currency: Currency
    method: PaymentMethod
    allocations: tuple[AllocationIn, ...] = Field(
        default=(), description="empty: the oldest open invoices are paid first"
    )


class PaymentRejectionIn(_In):
    """A direct debit that came back unpaid (not a refused line of an import)."""

    date: date
    reason: str | None = Field(default=None, max_length=500)


class DunningContactIn(_In):
    """What a collector collected on a call (``RecordDunningContact``), checked as the
    customer's own email and phone are."""

    email: EmailStr | None = None
    phone: Phone | None = Field(default=None, description="E.164, such as +33123456789")
    name: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _something(self) -> DunningContactIn:
        if self.email is None and self.phone is None:
            raise ValueError("an email or a phone to keep")
        return self

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
)

from encaisse.contracts.ledger import PaymentMethod, Segment
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
    phone: Annotated[str, AfterValidator(v.e164_phone)] | None = Field(
        default=None, description="E.164, such as +33123456789"
    )
    address: Address | None = None
    sales_rep_email: EmailStr | None = None
    excluded_from_dunning: bool = False


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

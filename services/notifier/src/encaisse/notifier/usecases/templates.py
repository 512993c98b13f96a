"""A tenant's own templates over the defaults: checked on sample data when saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, InvoiceLine, PaymentLine, Position, PositionLine
from encaisse.kit.failures import DomainError, NotFound
from encaisse.notifier import repository as repo
from encaisse.notifier.domain.content import message_context
from encaisse.notifier.rendering import DEFAULT_NAMES, TEMPLATES, TemplateRefused, check_template

SAMPLE_CONTEXT = {
    "promised_date": "2026-03-01",
    "promised_amount": "1 000,00 €",
    "rejection_reason": "AM04",
    "dispute_reference": "D-1",
}


def sample_variables(tenant: str) -> dict[str, Any]:
    """The data a template is tried on before it is saved."""
    eur = Money(amount=Decimal("1200.00"), currency="EUR")
    invoice = InvoiceLine(
        invoice_number="F-0001",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        amount=eur,
        open_balance=eur,
    )
    soon = PositionLine(
        invoice_number="F-0002",
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        amount=eur,
        open_balance=eur,
        days_overdue=-11,
    )
    position = Position(
        as_of=date(2026, 2, 20),
        overdue=(PositionLine(**invoice.model_dump(), days_overdue=16),),
        soon_due=(soon,),
        overdue_totals=(eur,),
        outstanding_totals=(Money(amount=Decimal("2400.00"), currency="EUR"),),
    )
    return message_context(
        tenant=tenant,
        debtor=Debtor(customer_ref="C-SAMPLE", name="Sample SA"),
        invoices=[invoice],
        language="fr",
        portal_link="https://portal.example/access/sample",
        context=SAMPLE_CONTEXT,
        sender_name=tenant,
        today=date(2026, 2, 20),
        step="sample",
        payments=[PaymentLine(payment_ref="VIR-0001", paid_on=date(2026, 2, 18), amount=eur)],
        position=position,
    )


async def save_template(
    session: AsyncSession, tenant: str, name: str, language: str, source: str, by: str
) -> None:
    """Check the source (refused on ``source``, with its line), then keep it."""
    try:
        check_template(source, sample_variables(tenant))
    except TemplateRefused as exc:
        raise DomainError("source", str(exc), kind="template_error") from exc
    await repo.save_template(session, tenant, name, language, source, by)


async def template_in_use(
    session: AsyncSession, tenant: str, name: str, language: str
) -> tuple[str, bool]:
    """The source the tenant's messages use, and whether it is the tenant's own."""
    source = await repo.template_source(session, tenant, name, language)
    if source is not None:
        return source, True
    default = TEMPLATES / language / f"{name}.j2"
    if not default.exists():
        raise NotFound("name", f"no template {name!r} in {language!r}")
    return default.read_text(), False


async def templates_of(session: AsyncSession, tenant: str) -> dict[str, Any]:
    """The default names and the tenant's own templates."""
    return {"defaults": list(DEFAULT_NAMES), "overrides": await repo.overridden(session, tenant)}


async def delete_template(session: AsyncSession, tenant: str, name: str, language: str) -> None:
    if not await repo.delete_template(session, tenant, name, language):
        raise NotFound("name", f"the tenant has no template {name!r} in {language!r}")

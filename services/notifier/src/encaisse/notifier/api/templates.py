"""``/v1/templates``: the tenant's own wording over the defaults, checked when saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from encaisse.contracts import Money
from encaisse.contracts.common import Debtor, InvoiceLine
from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.failures import DomainError, NotFound
from encaisse.notifier import repository as repo
from encaisse.notifier.api.deps import RuntimeDep
from encaisse.notifier.rendering import (
    DEFAULT_NAMES,
    TEMPLATES,
    TemplateRefused,
    check_template,
    message_context,
)

router = APIRouter(prefix="/v1/templates", tags=["templates"])

Name = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,99}$")]
Language = Annotated[str, Path(pattern=r"^[a-z]{2,3}$", description="fr, en...")]
SAMPLE_CONTEXT = {
    "promised_date": "2026-03-01",
    "promised_amount": "1 000,00 €",
    "rejection_reason": "AM04",
    "dispute_reference": "D-1",
}


class TemplateIn(BaseModel):
    source: str = Field(
        min_length=1,
        max_length=100_000,
        description=(
            "Jinja source: {% extends layout %} then the blocks subject, message "
            "(paragraphs separated by blank lines), optionally sms and signature"
        ),
    )


class TemplateOut(BaseModel):
    name: str
    language: str
    source: str
    overridden: bool


def sample_variables(tenant: str) -> dict[str, Any]:
    eur = Money(amount=Decimal("1200.00"), currency="EUR")
    invoice = InvoiceLine(
        invoice_number="F-0001",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        amount=eur,
        open_balance=eur,
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
    )


@router.put("/{name}/{language}", summary="save the tenant's template (checked first)")
async def save_template(
    name: Name, language: Language, body: TemplateIn, staff: Admin, runtime: RuntimeDep
) -> TemplateOut:
    try:
        check_template(body.source, sample_variables(staff.tenant))
    except TemplateRefused as exc:
        raise DomainError("source", str(exc), kind="template_error") from exc
    async with runtime.engine.begin() as conn:
        await repo.save_template(conn, staff.tenant, name, language, body.source, staff.name)
    return TemplateOut(name=name, language=language, source=body.source, overridden=True)


@router.get("/{name}/{language}", summary="the template in use: the tenant's, else the default")
async def get_template(
    name: Name, language: Language, staff: Viewer, runtime: RuntimeDep
) -> TemplateOut:
    async with runtime.engine.connect() as conn:
        source = await repo.template_source(conn, staff.tenant, name, language)
    if source is not None:
        return TemplateOut(name=name, language=language, source=source, overridden=True)
    default = TEMPLATES / language / f"{name}.j2"
    if not default.exists():
        raise NotFound("name", f"no template {name!r} in {language!r}")
    return TemplateOut(name=name, language=language, source=default.read_text(), overridden=False)


@router.get("", summary="default template names and the tenant's overrides")
async def list_templates(staff: Viewer, runtime: RuntimeDep) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        overrides = await repo.overridden(conn, staff.tenant)
    return {"defaults": list(DEFAULT_NAMES), "overrides": overrides}


@router.delete(
    "/{name}/{language}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="drop the tenant's template: the default applies again",
)
async def delete_template(
    name: Name, language: Language, staff: Admin, runtime: RuntimeDep
) -> None:
    async with runtime.engine.begin() as conn:
        deleted = await repo.delete_template(conn, staff.tenant, name, language)
    if not deleted:
        raise NotFound("name", f"the tenant has no template {name!r} in {language!r}")

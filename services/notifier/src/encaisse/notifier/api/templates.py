"""``/v1/templates``: the tenant's own wording over the defaults, checked when saved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from encaisse.notifier.api.deps import Admin, Uow, Viewer
from encaisse.notifier.usecases import templates

router = APIRouter(prefix="/v1/templates", tags=["templates"])

Name = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,99}$")]
Language = Annotated[str, Path(pattern=r"^[a-z]{2,3}$", description="fr, en...")]


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


@router.put("/{name}/{language}", summary="save the tenant's template (checked first)")
async def save_template(
    name: Name, language: Language, body: TemplateIn, staff: Admin, uow: Uow
) -> TemplateOut:
    await templates.save_template(
        uow.session, staff.tenant, name, language, body.source, staff.name
    )
    return TemplateOut(name=name, language=language, source=body.source, overridden=True)


@router.get("/{name}/{language}", summary="the template in use: the tenant's, else the default")
async def get_template(name: Name, language: Language, staff: Viewer, uow: Uow) -> TemplateOut:
    source, overridden = await templates.template_in_use(uow.session, staff.tenant, name, language)
    return TemplateOut(name=name, language=language, source=source, overridden=overridden)


@router.get("", summary="default template names and the tenant's overrides")
async def list_templates(staff: Viewer, uow: Uow) -> dict[str, Any]:
    return await templates.templates_of(uow.session, staff.tenant)


@router.delete(
    "/{name}/{language}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="drop the tenant's template: the default applies again",
)
async def delete_template(name: Name, language: Language, staff: Admin, uow: Uow) -> None:
    await templates.delete_template(uow.session, staff.tenant, name, language)

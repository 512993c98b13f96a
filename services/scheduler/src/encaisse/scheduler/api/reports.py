"""Reports over a tenant's casework: the causes of lateness its calls recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi import APIRouter
from pydantic import BaseModel

from encaisse.kit.auth import Viewer
from encaisse.kit.failures import DomainError
from encaisse.scheduler.api.deps import Parts, RuntimeDep
from encaisse.scheduler.domain.casework import LatenessCause
from encaisse.scheduler.repository import tasks

router = APIRouter(prefix="/v1/reports", tags=["reports"])

DEFAULT_DAYS = 30


class CauseCount(BaseModel):
    cause: LatenessCause
    count: int


class LatenessCauses(BaseModel):
    since: date
    until: date
    total: int
    causes: list[CauseCount]


@router.get("/lateness-causes", response_model=LatenessCauses)
async def lateness_causes(
    staff: Viewer,
    rt: RuntimeDep,
    parts: Parts,
    since: date | None = None,
    until: date | None = None,
) -> LatenessCauses:
    """How many call outcomes gave each cause of lateness from ``since`` to ``until``
    (UTC days, both included; by default the last 30 days). Every cause is listed, most
    frequent first, those never given with 0."""
    async with rt.engine.connect() as conn:
        now = await parts.clock.now(conn)
        last = until or now.astimezone(UTC).date()
        first = since or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise DomainError("since", "must not be after until")
        rows = await tasks.cause_counts(
            conn,
            staff.tenant,
            datetime.combine(first, time(), UTC),
            datetime.combine(last + timedelta(days=1), time(), UTC),
        )
    counted = {LatenessCause(r.cause): int(r.count) for r in rows}
    causes = [CauseCount(cause=c, count=counted.get(c, 0)) for c in LatenessCause]
    causes.sort(key=lambda c: -c.count)  # stable: the enum's order among equals
    return LatenessCauses(since=first, until=last, total=sum(counted.values()), causes=causes)

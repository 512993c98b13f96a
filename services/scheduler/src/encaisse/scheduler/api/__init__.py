"""The scheduler's HTTP API: one router per resource."""

from encaisse.scheduler.api import (
    clock,
    customers,
    disputes_promises,
    exclusions,
    profile_rules,
    profiles,
    reports,
    scenarios,
    work,
)

ROUTERS = [
    clock.router,
    scenarios.router,
    profiles.router,
    profile_rules.router,
    disputes_promises.router,
    work.router,
    customers.router,
    exclusions.router,
    reports.router,
]

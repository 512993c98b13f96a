"""The scheduler's HTTP API: one router per resource."""

from encaisse.scheduler.api import cases, clock, customers, profiles, scenarios, work

ROUTERS = [
    clock.router,
    scenarios.router,
    profiles.router,
    cases.router,
    work.router,
    customers.router,
]

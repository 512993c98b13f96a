"""The notifier's HTTP API: one router per resource; ``DEV_ROUTERS`` only with
``ENCAISSE_SIMULATION`` on."""

from fastapi import APIRouter

from encaisse.notifier.api import dev, messages, templates, webhooks

ROUTERS: tuple[APIRouter, ...] = (messages.router, templates.router, webhooks.router)
DEV_ROUTERS: tuple[APIRouter, ...] = (dev.router,)

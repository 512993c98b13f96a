"""The letters service's HTTP API: one router per resource (``ROUTERS``)."""

from fastapi import APIRouter

from encaisse.letters.api import letters, postal, proofs

ROUTERS: tuple[APIRouter, ...] = (letters.router, proofs.router, postal.router)

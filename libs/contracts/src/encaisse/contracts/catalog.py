"""Imports every contract module so that the registry holds every message.

A service's contract module is added here once; the AsyncAPI document and the
consumers' type lookup both read the registry.
"""

import importlib

MODULES = (
    "encaisse.contracts.ledger",
    "encaisse.contracts.notifier",
    "encaisse.contracts.letters",
    "encaisse.contracts.portal",
    "encaisse.contracts.scheduler",
)


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)

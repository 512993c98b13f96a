"""Dependencies shared by the routers: all read the runtime the app started with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.deps import ClockDep, Uow
from encaisse.kit.runtime import RuntimeDep
from encaisse.notifier.app import NotifierParts
from encaisse.notifier.settings import NotifierSettings


def get_parts(runtime: RuntimeDep) -> NotifierParts:
    parts: NotifierParts = runtime.parts
    return parts


Parts = Annotated[NotifierParts, Depends(get_parts)]


def get_settings(parts: Parts) -> NotifierSettings:
    return parts.settings


SettingsDep = Annotated[NotifierSettings, Depends(get_settings)]


__all__ = ["Admin", "ClockDep", "Parts", "RuntimeDep", "SettingsDep", "Uow", "Viewer"]

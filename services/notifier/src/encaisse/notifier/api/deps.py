"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from encaisse.kit.runtime import RuntimeDep
from encaisse.notifier.settings import NotifierSettings


def get_settings(request: Request) -> NotifierSettings:
    return request.app.state.settings


SettingsDep = Annotated[NotifierSettings, Depends(get_settings)]

__all__ = ["RuntimeDep", "SettingsDep"]

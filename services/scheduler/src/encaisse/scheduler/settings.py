from typing import ClassVar

from encaisse.kit.settings import ServiceSettings


class SchedulerSettings(ServiceSettings):
    service_name: ClassVar[str] = "scheduler"
    development_switches: ClassVar[tuple[str, ...]] = ("simulation",)

    http_port: int = 8102
    simulation: bool = False
    run_interval_seconds: float = 60.0
    run_batch_size: int = 500
    # exclusions whose end date came, reminders to the owners of open disputes
    casework_interval_seconds: float = 300.0

from typing import ClassVar

from encaisse.kit.settings import ServiceSettings


class LedgerSettings(ServiceSettings):
    service_name: ClassVar[str] = "ledger"

    http_port: int = 8101
    import_chunk_size: int = 10_000
    import_parallel: int = 2  # invoice chunks are applied in this many transactions at once
    import_max_bytes: int = 1 << 30  # a larger body: 413, after the lines before the limit

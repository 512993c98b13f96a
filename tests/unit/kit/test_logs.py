import logging

from encaisse.kit.logs import configure_logging


def test_routine_http_requests_of_clients_are_not_logged_at_info():
    """httpx logs each request at INFO; a service's polls of a provider would fill its log."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", json=False)
    try:
        assert logging.getLogger("encaisse.letters").isEnabledFor(logging.INFO)
        for noisy in ("httpx", "httpcore", "aio_pika"):
            assert not logging.getLogger(noisy).isEnabledFor(logging.INFO), noisy
    finally:
        for name in ("httpx", "httpcore", "aiormq", "aio_pika"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        root.handlers[:], root.level = handlers, level

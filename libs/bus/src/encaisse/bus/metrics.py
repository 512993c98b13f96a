"""Prometheus metrics of the bus; exposed by each service's /metrics."""

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PUBLISHED = Counter(
    "encaisse_outbox_published_total", "Outbox rows published with confirms", ["table"]
)
MESSAGES_HANDLED = Counter(
    "encaisse_messages_handled_total", "Messages consumed, by outcome", ["queue", "outcome"]
)
DEAD_LETTERS = Counter(
    "encaisse_dead_letters_total", "Messages sent to a dead-letter queue", ["queue", "reason"]
)
UNROUTED_WAITING = Gauge(
    "encaisse_unrouted_messages",
    "Messages an exchange could not route, kept for "
    "encaisse-dlq reroute (-1: the queue is missing)",
    ["queue"],
)
HANDLER_SECONDS = Histogram(
    "encaisse_handler_seconds", "Time spent in a message handler", ["queue"]
)

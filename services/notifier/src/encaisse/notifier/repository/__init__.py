"""All of the notifier's SQL: messages and their state machine (``messages``), reading
them as evidence (``reading``), the tenants' templates (``templates``)."""

from encaisse.notifier.repository.messages import (
    MessageRow,
    claim,
    insert_message,
    mark_delivered,
    mark_failed,
    mark_sending,
    mark_sent,
    message_event,
    note,
    reconcile,
    reschedule,
    stage_event,
)
from encaisse.notifier.repository.reading import find_by_reference, of_customer, one
from encaisse.notifier.repository.templates import (
    delete_template,
    overridden,
    save_template,
    template_source,
    tenant_overrides,
)

__all__ = [
    "MessageRow",
    "claim",
    "delete_template",
    "find_by_reference",
    "insert_message",
    "mark_delivered",
    "mark_failed",
    "mark_sending",
    "mark_sent",
    "message_event",
    "note",
    "of_customer",
    "one",
    "overridden",
    "reconcile",
    "reschedule",
    "save_template",
    "stage_event",
    "template_source",
    "tenant_overrides",
]

"""A local postal provider that behaves like the real ones, for development and tests.

Same HTTP shape as ``encaisse.letters.postal.client``. It keeps sendings in
memory, recognises idempotency keys, and plays each submitted sending's life one
step every ``step_seconds``: accepted, posted (proof of deposit, tracking
number, cost), then delivered (signed acknowledgement of receipt), returned
("n'habite pas à l'adresse indiquée"), refused, or not collected, with a proof
of return. Which fate is chosen by the test (``POST /_sandbox/fates``),
by a word in the recipient's name; the default is delivered.
"""

from encaisse.letters.sandbox.app import Fate, build_sandbox

__all__ = ["Fate", "build_sandbox"]

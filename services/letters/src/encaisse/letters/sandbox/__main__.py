"""``python -m encaisse.letters.sandbox``: the postal sandbox on 127.0.0.1:8190 (``make run``)."""

import os

import uvicorn

from encaisse.letters.sandbox.app import build_sandbox

port = int(os.environ.get("ENCAISSE_POSTAL_SANDBOX_PORT", "8190"))
step = float(os.environ.get("ENCAISSE_POSTAL_SANDBOX_STEP_SECONDS", "5"))
uvicorn.run(build_sandbox(step_seconds=step), host="127.0.0.1", port=port, log_level="warning")

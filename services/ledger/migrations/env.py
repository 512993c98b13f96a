from encaisse.kit.migrations import run_env
from encaisse.ledger.db import metadata

run_env(metadata)

from encaisse.kit.migrations import run_env
from encaisse.notifier.db import metadata

run_env(metadata)

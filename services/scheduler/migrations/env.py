from encaisse.kit.migrations import run_env
from encaisse.scheduler.db import metadata

run_env(metadata)

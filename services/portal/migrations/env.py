from encaisse.kit.migrations import run_env
from encaisse.portal.db import metadata

run_env(metadata)

from encaisse.kit.migrations import run_env
from encaisse.letters.db import metadata

run_env(metadata)

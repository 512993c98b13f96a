#!/usr/bin/env bash
# What the tests need beyond Python packages (browsers, poppler...): added by the services that need it.
set -euo pipefail
exit 0

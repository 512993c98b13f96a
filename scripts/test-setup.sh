#!/usr/bin/env bash
# What the tests need beyond Python packages (browsers, poppler...): added by the services that need it.
set -euo pipefail
# letters: pdftoppm renders the sample formal notice to PNG (tests/integration/letters)
if ! command -v pdftoppm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi
# portal: the browser tests drive Debian's Chromium through Playwright (tests/integration/portal)
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
# notifier: openssl makes a self-signed certificate for the STARTTLS test (tests/integration/notifier)
if ! command -v openssl >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
exit 0

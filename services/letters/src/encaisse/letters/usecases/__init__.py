"""The acts of the letters service, shared by its bus handler, its routes and its background
jobs: compose and queue a letter (``letters``), hand it to the provider (``dispatch``),
record what the provider reports (``tracking``)."""

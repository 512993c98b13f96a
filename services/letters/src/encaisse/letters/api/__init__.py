"""The letters service's HTTP API: one router per resource."""

"""The notifier's HTTP API: one router per resource."""

"""Encaisse notifier: emails and SMS rendered from templates, sent once, reported back."""

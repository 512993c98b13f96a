"""Encaisse ledger: customers, invoices and payments; the source of their events."""

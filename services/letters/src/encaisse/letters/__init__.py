"""Encaisse letters: PDF letters and registered letters through a postal provider."""

"""Encaisse scheduler: profiles, scenarios and dunning cases; decides what is due and when."""

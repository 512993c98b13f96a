"""Test helpers shared by every test folder (on the path through pytest's ``pythonpath``)."""

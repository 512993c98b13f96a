"""Encaisse portal: the debtors' pages, reached by signed links; the only part facing
the internet."""

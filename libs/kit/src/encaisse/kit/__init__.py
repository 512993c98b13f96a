"""What every Encaisse service shares: settings, database, logging, HTTP edges, auth, runtime."""

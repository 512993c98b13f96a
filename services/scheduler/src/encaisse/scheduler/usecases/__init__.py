"""The scheduler's acts, shared by its routes, its bus handlers and the day run."""

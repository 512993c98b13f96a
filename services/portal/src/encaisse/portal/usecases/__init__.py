"""The portal's acts, shared by its routes, its bus handlers and its background jobs: each
takes a unit of work (or a session) and what it needs of the parts, and raises
``encaisse.kit.failures`` errors naming a field."""

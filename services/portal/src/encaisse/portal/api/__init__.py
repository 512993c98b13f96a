"""The portal's HTTP routers: one per resource."""

"""The notifier's acts, shared by the bus handlers, the routes and the background jobs:

- ``commands``: a send-email or send-SMS command becomes one queued message;
- ``reports``: a delivery report (a provider's webhook, a bounce) changes a message once;
- ``evidence``: reading what was sent;
- ``templates``: a tenant's own templates, checked when saved.
"""

"""The notifier's pure rules: no I/O, no reading of the clock (the time is a parameter).

- ``outcomes``: what a provider's answer means for a message (final, transient, why);
- ``bounces``: reading an RFC 3464 delivery status notification, and whom it concerns;
- ``content``: the variables a template reads, formatted for the debtor's locale;
- ``reports``: a provider's delivery report and the failure it means.
"""

"""The postal provider: the shape French online registered-mail services share."""

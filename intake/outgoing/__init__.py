"""Outgoing mail: the outbox, acknowledgements and the managers' digest."""

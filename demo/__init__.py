"""Fictional data for the demo mailbox and the tests; nobody in it is real."""

"""The worker: polling, ingesting, the per-message pipeline and the isolated child processes."""

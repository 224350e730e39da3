"""Configuration: typed settings, their loading, and logging set-up (the bottom layer)."""

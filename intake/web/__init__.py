"""The triage web UI."""

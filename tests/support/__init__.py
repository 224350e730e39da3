"""Test support: a real Dovecot, mail and form factories, SMTP servers, browser helpers."""

"""Mail clients: IMAP mailboxes, SMTP, OAuth2 token sources and per-account connections."""

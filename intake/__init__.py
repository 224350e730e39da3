"""Everything with a side effect: mailbox, database, outgoing mail, scheduler, web UI."""

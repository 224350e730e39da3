"""Pure parsing: bytes in, frozen values out. No database, no network, no clock."""

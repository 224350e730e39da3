"""The queue database: tables, the ledger, cases, duplicates, audit, users and the export."""

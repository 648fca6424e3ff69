"""IMAP import of department mailboxes (see pollers.py)."""

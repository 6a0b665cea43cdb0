"""Customers' replies by email: the mailroom that reads, checks and files every email that
reaches the service (over SMTP or the HTTP route), and the held emails leads decide on."""

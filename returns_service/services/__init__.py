"""Use cases. Each opens its transaction, loads, asks the domain, saves."""

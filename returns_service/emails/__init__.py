"""The HTML part of customer emails: presentation, kept out of `domain/` (which stays pure)."""

"""The outside world: shops, carriers, payments, mail. Each speaks our domain's language."""

"""Pure business rules: no web framework, no ORM, no I/O, no clock."""

"""Getting the parcel back and the replacement out: labels, tracking, the warehouse,
exchanges and what happens after."""

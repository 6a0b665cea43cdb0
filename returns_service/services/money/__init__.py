"""Money back to the customer (refunds, store credit), charges for late originals, and
settling a case."""

"""What every capability stands on: the runtime, tokens and sessions, idempotency, the outbox
and the worker."""

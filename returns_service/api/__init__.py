"""HTTP: thin controllers per audience, msgspec schemas, guards, problem details."""

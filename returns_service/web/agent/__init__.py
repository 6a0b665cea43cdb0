"""The agent console (/agent): the concierge's workspace, server-rendered over the same
services as the agents' API. `common.py` holds what every console page shares (its session,
its layout); each screen has its own module."""

"""Return cases: opening them, the decisions on them, who owns them, the conversation, and
reading them."""

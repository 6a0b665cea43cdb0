"""The store itself: its policy, catalogue, orders, what of an order is returnable, the portal
sign-in, its staff."""

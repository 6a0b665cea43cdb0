"""The policy simulator (issue 16): a draft policy and the published one replayed over the
order lines delivered in a range, side by side (docs/simulator.md)."""

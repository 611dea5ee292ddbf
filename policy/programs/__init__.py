"""One module per program; each exposes `assess(ctx) -> Decision` over a common Context."""

"""A tiny shop: the demo repository Squiggle reviews on first start."""

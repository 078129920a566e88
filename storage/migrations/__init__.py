"""Schema migrations, applied in order at start."""

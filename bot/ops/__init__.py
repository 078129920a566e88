"""Operations: metrics, the health server, readiness and logging setup (no telegram import)."""

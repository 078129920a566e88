"""The chat, transport-free: service, replies, rendering, recent search, charts (no telegram)."""

"""The chat, transport-free: the service, replies, rendering, recent search (never imports telegram)."""

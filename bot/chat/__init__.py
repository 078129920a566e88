"""The chat, transport-free: service, replies, rendering, recent search, charts, i18n (no telegram)."""

"""The chat, transport-free: service, replies, rendering, digests, recent, charts, i18n (no telegram)."""

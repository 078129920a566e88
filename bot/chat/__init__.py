"""The chat, transport-free: service, replies, rendering, recent, i18n and locales (no telegram)."""

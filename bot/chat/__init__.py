"""The chat: service, replies, rendering, recent, charts, i18n, locales (no telegram import)."""

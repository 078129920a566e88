"""Machine translation on demand: one adapter per provider over aiohttp, and the service the chat's
Translate button calls (cache, budgets, resting a failed provider)."""

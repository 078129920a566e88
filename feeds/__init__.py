"""Wirewatch domain core: models, query language and matcher, normalization, fetch and parse adapters."""

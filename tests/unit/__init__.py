"""Pure functions: query, normalize, parse, render, settings, rules; no database, no sockets."""

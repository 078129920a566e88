"""Real processes: the wirewatch CLI, console and bot in subprocesses (marked slow by folder)."""

"""Entry points: the command line, console, demo, and starting a set of roles."""

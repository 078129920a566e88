"""Entry points: the command line, console, demo, doctor, and starting a set of roles."""

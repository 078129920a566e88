"""Entry points: cli, console, demo, doctor, role start-up."""

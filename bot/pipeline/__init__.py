"""The pipeline: schedule, ingest, match, deliver and pacing (never imports telegram)."""

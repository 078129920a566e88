"""The pipeline stages (fetch, ingest, match, deliver, pacing) over the real store and loopback servers."""

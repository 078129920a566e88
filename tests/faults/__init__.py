"""Faults: kill -9, crashes, database outages on throwaway clusters (marked slow by folder)."""

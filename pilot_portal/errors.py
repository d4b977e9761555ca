"""Errors that services raise and the API and pages turn into answers.

Messages are for people: Chinese first, with the English translation.
"""


class PortalError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class InvalidInput(PortalError):
    status_code = 400


class NotAllowed(PortalError):
    """The user's role may not do this (403)."""

    status_code = 403


class Conflict(PortalError):
    """The object's state does not allow this now (409)."""

    status_code = 409

"""Domain errors: named after the rule broken, carrying what the user needs to fix it.

Messages are kept untranslated (marked with ``N_`` for extraction) and translated when
shown, so the same error reads in the language of whoever sees it: a page, the API or the
CLI.
"""
from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


class DomainError(Exception):
    """Base of every rule the domain refuses to break. Nothing was written."""

    #: HTTP status when the error reaches a web client.
    status = 422
    #: The message, with ``%(name)s`` placeholders filled from the keyword arguments.
    template = N_("This cannot be done.")

    def __init__(self, **params):
        self.params = params
        super().__init__(self.message)

    @property
    def slug(self) -> str:
        """A stable machine-readable name: ``InsufficientStock`` -> ``insufficient-stock``."""
        name = type(self).__name__
        return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")

    @property
    def message(self) -> str:
        return gettext(self.template, **self.params)

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    status = 404
    template = N_("Not found.")


class IdempotencyKeyReused(DomainError):
    """An idempotency key sent again with other contents: the one rule of replays, the
    same for a form posted to the ledger and a request to the API."""

    status = 422
    template = N_("This request was already recorded with different contents. Reload the "
                  "page and enter it again, or send it with a new key (Idempotency-Key).")

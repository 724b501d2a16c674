"""Personal API tokens: made on the account page, shown once, kept only as a hash.

A token reads ``wh_`` followed by 43 characters (32 random bytes). The SHA-256 of the whole
token is stored; a request's token is hashed and looked up, so the comparison is of two
digests (and made with ``hmac.compare_digest``). It acts as its user, with the user's
current role and organisation, until revoked or until the user is deactivated.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import select, update

from warehouse.accounts.models import ApiToken, User
from warehouse.audit.services import record
from warehouse.core.errors import N_, DomainError
from warehouse.core.transactions import side_transaction
from warehouse.core.types import utcnow
from warehouse.extensions import db

TOKEN_PREFIX = "wh_"
#: Shown in the list so a user can tell their tokens apart: ``wh_`` and 5 characters.
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 5
MAX_TOKENS_PER_USER = 20
MAX_NAME_LENGTH = 80
#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenNameMissing(DomainError):
    status = 400
    template = N_("Give the token a name that says where it is used, e.g. 'Scanner 2'.")


class TokenNameTooLong(DomainError):
    status = 400
    template = N_("A token's name can have at most %(maximum)s characters.")


class TooManyTokens(DomainError):
    status = 400
    template = N_("You already have %(maximum)s tokens. Revoke one you no longer use first.")


class TokenNotFound(DomainError):
    status = 404
    template = N_("This token does not exist or is not yours.")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its secret, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise TokenNameMissing()
    if len(name) > MAX_NAME_LENGTH:
        raise TokenNameTooLong(maximum=MAX_NAME_LENGTH)
    if len(active_tokens(user)) >= MAX_TOKENS_PER_USER:
        raise TooManyTokens(maximum=MAX_TOKENS_PER_USER)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:SHOWN_PREFIX_LENGTH],
                     token_hash=hash_secret(secret))
    db.session.add(token)
    db.session.flush()
    record(actor=user, action="api_token.create", target=token,
           summary=gettext("API token “%(name)s” created", name=name), name=name)
    db.session.commit()
    return token, secret


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens; it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise TokenNotFound()
    token.revoked_at = utcnow()
    record(actor=user, action="api_token.revoke", target=token,
           summary=gettext("API token “%(name)s” revoked", name=token.name), name=token.name)
    db.session.commit()
    return token


def user_for_secret(secret: str) -> tuple[ApiToken, User] | None:
    """The token and active user a secret belongs to, or ``None``."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = hash_secret(secret)
    # The token and its user in one query: every API call starts here.
    found = db.session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest)).first()
    if found is None or not hmac.compare_digest(found[0].token_hash, digest):
        return None
    token, user = found
    if token.revoked_at is not None or user is None or not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        _note_use(token.id, now)
    return token, user


def _note_use(token_id: int, now) -> None:
    """Record when a token was last used, in a short write transaction of its own.

    Not in the session's transaction: on SQLite a transaction that has read cannot take
    the write lock while another request writes ("database is locked"); and the user
    just loaded stays loaded.
    """
    with side_transaction() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))

"""Short codes printed on labels and typed by hand: a kind letter and five digits.

``B00123`` is a box, ``L00012`` a location, ``P00045`` an item (a product). After the
letter come digits only, so there is no O/0 or I/1 to confuse, and a scanner set to the
wrong keyboard layout can be corrected character by character.
"""
from sqlalchemy import String, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.catalogue.models import Item
from warehouse.extensions import db
from warehouse.stock.models import Box, Location

DIGITS = 5
PREFIXES = {"box": "B", "location": "L", "item": "P"}


class CodeSequence(db.Model):
    """The last number handed out per code prefix."""

    __tablename__ = "code_sequence"

    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def format_code(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{DIGITS}d}"


def allocate_codes(kind: str, count: int) -> list[str]:
    """Reserve ``count`` new codes of ``kind`` in the caller's transaction.

    The counter row is updated in place, which locks it until the caller commits, so two
    clients never get the same code. It starts after the highest code already in use.
    """
    prefix = PREFIXES[kind]
    model = {"box": Box, "location": Location, "item": Item}[kind]
    take = (update(CodeSequence).where(CodeSequence.prefix == prefix)
            .values(last_value=CodeSequence.last_value + count)
            .returning(CodeSequence.last_value))
    last = db.session.execute(take).scalar()
    if last is None:
        # First use of this prefix: create the counter, tolerating another client doing
        # the same at the same moment (its row wins, and ours waits for it below).
        highest = db.session.scalar(
            select(func.max(model.code)).where(model.code.like(f"{prefix}%"),
                                               func.length(model.code) == DIGITS + 1))
        start = int(highest[1:]) if highest and highest[1:].isdigit() else 0
        dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.engine.dialect.name]
        db.session.execute(dialect.insert(CodeSequence).values(prefix=prefix, last_value=start)
                           .on_conflict_do_nothing(index_elements=["prefix"]))
        last = db.session.execute(take).scalar()
    return [format_code(prefix, n) for n in range(last - count + 1, last + 1)]

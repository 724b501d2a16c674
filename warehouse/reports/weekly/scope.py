"""What a weekly report looks at: the scope's locations (a site's shelves, or a partner's
custody), and the items it names."""

from sqlalchemy import select

from warehouse.catalogue.models import Category, Item
from warehouse.extensions import db
from warehouse.stock.models import Location, LocationKind


class Scope:
    """The locations whose stock the report follows, and the filters of its other tables."""

    def __init__(self, *, site_id: int | None, organisation_id: int | None):
        self.site_id = site_id
        self.organisation_id = organisation_id
        self.is_warehouse = organisation_id is None
        if self.is_warehouse:
            query = select(Location.id).where(Location.kind == LocationKind.INTERNAL)
            if site_id is not None:
                query = query.where(Location.site_id == site_id)
        else:
            query = select(Location.id).where(Location.kind == LocationKind.PARTNER,
                                              Location.organisation_id == organisation_id)
        self.locations = list(db.session.scalars(query.order_by(Location.id)))
        rows = db.session.execute(select(Location.id, Location.kind, Location.organisation_id,
                                         Location.site_id)).all()
        self.kind = {id_: kind for id_, kind, _, _ in rows}
        self.organisation_of = {id_: org for id_, _, org, _ in rows}
        self.site_of = {id_: site for id_, _, _, site in rows}
        self.distributed_ids = [id_ for id_, kind, _, _ in rows
                                if kind == LocationKind.DISTRIBUTED]


class ItemCache:
    def __init__(self):
        self._items: dict[int, tuple[Item, Category]] = {}

    def load(self, item_ids) -> None:
        missing = [i for i in item_ids if i not in self._items]
        if missing:
            for item, category in db.session.execute(
                    select(Item, Category).join(Category, Category.id == Item.category_id)
                    .where(Item.id.in_(missing))):
                self._items[item.id] = (item, category)

    def get(self, item_id: int) -> tuple[Item, Category]:
        if item_id not in self._items:
            self.load([item_id])
        return self._items[item_id]

    def candidates(self) -> list[Item]:
        """Active items with a minimum level: at zero, they count as out of stock."""
        rows = db.session.execute(
            select(Item, Category).join(Category, Category.id == Item.category_id)
            .where(Item.active.is_(True), Item.minimum_level > 0)).all()
        for item, category in rows:
            self._items.setdefault(item.id, (item, category))
        return [item for item, _ in rows]

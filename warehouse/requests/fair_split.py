"""Sharing short stock fairly between partners' requests: a pure function, no database."""
from collections.abc import Hashable, Mapping
from fractions import Fraction


def fair_split(available: int, requests: Mapping[Hashable, int], minimum: int = 1
               ) -> dict[Hashable, int]:
    """Share ``available`` between ``requests`` (key → quantity asked for).

    When everything asked for is available, each gets what it asked for. Otherwise:

    - each request first gets ``minimum`` (or what it asked for, if less), as long as
      every request can get it; when even that is more than is available, the minimum is
      dropped and the split is purely proportional;
    - the rest is shared in proportion to the quantities asked for; a request whose
      proportional share falls below its minimum keeps the minimum, and the others share
      what is left, again in proportion;
    - shares are rounded down, and the units left over by rounding go one each to the
      largest remainders (ties: the larger request, then the earlier key).

    The total never exceeds ``available``, no request gets more than it asked for, and
    when stock is short the whole of ``available`` is handed out. Negative quantities
    count as zero.
    """
    wanted = {key: max(0, int(quantity)) for key, quantity in requests.items()}
    available = max(0, int(available))
    minimum = max(0, int(minimum))
    if sum(wanted.values()) <= available:
        return dict(wanted)

    floors = {key: min(minimum, quantity) for key, quantity in wanted.items()}
    if sum(floors.values()) > available:
        floors = dict.fromkeys(wanted, 0)

    fixed: dict[Hashable, int] = {}
    flexible = [key for key, quantity in wanted.items() if quantity > 0]
    while True:
        pool = available - sum(fixed.values())
        weight = sum(wanted[key] for key in flexible)
        below = [key for key in flexible
                 if Fraction(pool * wanted[key], weight) < floors[key]]
        if not below:
            break
        for key in below:
            fixed[key] = floors[key]
        flexible = [key for key in flexible if key not in fixed]

    shares = {key: Fraction(pool * wanted[key], weight) for key in flexible}
    result = dict.fromkeys(wanted, 0) | fixed
    for key, share in shares.items():
        result[key] = int(share)  # Fractions are positive: int() rounds down
    leftover = pool - sum(result[key] for key in flexible)
    position = {key: n for n, key in enumerate(wanted)}
    by_remainder = sorted(
        (key for key in flexible if result[key] < wanted[key]),
        key=lambda key: (-(shares[key] - int(shares[key])), -wanted[key], position[key]))
    for key in by_remainder[:leftover]:
        result[key] += 1
    return result

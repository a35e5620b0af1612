"""Which counts a report may not show, consistently over every table and period.

The counts of a calendar year form one set of *cells*: per time node (the year, its
quarters, its months), per hub node (each hub, and all hubs) and per table (the margin of
referrals made, by case type, by risk; the agencies' own cells), each cell the sum of its
parts. A *relation* says a parent is the sum of its children: a year of its quarters, a
quarter of its months, all hubs of each hub, a margin of its case types or risks. Every
table and every period the tool can print is a slice of these cells, so a suppression
pattern worked out over all of them at once holds whichever slices a reader puts together.

The pattern, for a threshold k:

1. **Primary**: every count from 1 to k-1 is hidden. Zeros are shown.
2. **Secondary**, until nothing changes: a relation with exactly one hidden member would
   give it back (the parent minus the visible children), so the smallest visible non-zero
   member of that relation is hidden too; and a relation whose visible parent leaves two or
   more hidden children that can only all be 1 (their sum is their number) hides one more.
3. **Audit**: the published counts, put together in every way the relations allow, must
   not pin a hidden cell. This is exact linear algebra (modulo a large prime) over the
   hidden cells: a cell is given back when the unit vector of that cell lies in the row
   space of the relations restricted to hidden cells. Any such cell gets one more hidden
   neighbour, and steps 2 and 3 run again.

Hidden cells are all shown alike (``x``), whether below k or hidden to protect one, so a
reader cannot tell which is which; with zeros shown, a hidden count is known to be at least 1
and nothing more.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Cell = TypeVar("Cell", bound=Hashable)
Relation = tuple[Cell, tuple[Cell, ...]]  # parent, children
PRIME = (1 << 61) - 1


def suppress(counts: Mapping[Cell, int], relations: Sequence[Relation[Cell]], k: int,
             ) -> set[Cell]:
    """The cells to hide. ``k`` = 1 hides nothing."""
    if k <= 1:
        return set()
    hidden = {cell for cell, n in counts.items() if 0 < n < k}
    if not hidden:
        return hidden
    touching: dict[Cell, list[int]] = {}
    for number, (parent, children) in enumerate(relations):
        for cell in (parent, *children):
            touching.setdefault(cell, []).append(number)
    while True:
        _secondary(counts, relations, touching, hidden)
        given_back = determined(hidden, relations)
        if not given_back:
            return hidden
        progressed = False
        for cell in sorted(given_back, key=repr):
            progressed |= _hide_neighbour(cell, counts, relations, touching, hidden)
        if not progressed:
            _hide_nearest(counts, relations, hidden)


def _members(relation: Relation[Cell]) -> tuple[Cell, ...]:
    return (relation[0], *relation[1])


def _secondary(counts: Mapping[Cell, int], relations: Sequence[Relation[Cell]],
               touching: Mapping[Cell, list[int]], hidden: set[Cell]) -> None:
    pending = set(range(len(relations)))
    while pending:
        number = pending.pop()
        parent, children = relations[number]
        members = (parent, *children)
        inside = [cell for cell in members if cell in hidden]
        weak = (len(inside) >= 2 and parent not in hidden
                and sum(counts.get(cell, 0) for cell in inside) == len(inside))
        if len(inside) == 1 or weak:
            added = _smallest_visible(members, counts, hidden)
            if added is not None:
                hidden.add(added)
                pending.update(touching.get(added, ()))


def _smallest_visible(members: Iterable[Cell], counts: Mapping[Cell, int],
                      hidden: set[Cell]) -> Cell | None:
    """The visible non-zero member with the smallest count; on a tie a child before the
    parent (the finer figure goes), then the first."""
    candidates = [(counts.get(cell, 0), position, cell)
                  for position, cell in enumerate(members)
                  if cell not in hidden and counts.get(cell, 0) > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda found: (found[0], found[1] == 0, found[1]))[2]


def _hide_neighbour(cell: Cell, counts: Mapping[Cell, int], relations: Sequence[Relation[Cell]],
                    touching: Mapping[Cell, list[int]], hidden: set[Cell]) -> bool:
    options = []
    for number in touching.get(cell, ()):
        found = _smallest_visible(_members(relations[number]), counts, hidden)
        if found is not None:
            options.append((counts.get(found, 0), repr(found), found))
    if not options:
        return False
    hidden.add(min(options)[2])
    return True


def _hide_nearest(counts: Mapping[Cell, int], relations: Sequence[Relation[Cell]],
                  hidden: set[Cell]) -> None:
    """Every relation of a pinned cell is hidden whole: hide the smallest visible count of
    any relation that holds a hidden one (the pin runs through a longer chain)."""
    options = []
    for relation in relations:
        members = _members(relation)
        if any(cell in hidden for cell in members):
            found = _smallest_visible(members, counts, hidden)
            if found is not None:
                options.append((counts.get(found, 0), repr(found), found))
    if not options:  # pragma: no cover - a consistent system cannot pin a hidden count then
        raise AssertionError("every count is hidden and one is still pinned")
    hidden.add(min(options)[2])


def determined(hidden: set[Cell], relations: Sequence[Relation[Cell]]) -> set[Cell]:
    """The hidden cells that the relations, with every visible cell known, pin exactly."""
    index = {cell: number for number, cell in enumerate(sorted(hidden, key=repr))}
    pivots: dict[int, dict[int, int]] = {}  # pivot variable -> its reduced row
    for parent, children in relations:
        row: dict[int, int] = {}
        for cell, sign in ((parent, 1), *((child, PRIME - 1) for child in children)):
            if cell in index:
                row[index[cell]] = (row.get(index[cell], 0) + sign) % PRIME
        row = {var: value for var, value in row.items() if value}
        if row:
            _insert(pivots, row)
    cells = sorted(hidden, key=repr)
    return {cells[var] for var, row in pivots.items() if len(row) == 1}


def _insert(pivots: dict[int, dict[int, int]], row: dict[int, int]) -> None:
    """Add a row to a reduced row echelon form kept as {pivot: row}."""
    for var in [v for v in row if v in pivots]:
        factor = row.get(var, 0)
        if factor:
            _subtract(row, pivots[var], factor)
    if not row:
        return
    pivot = min(row)
    inverse = pow(row[pivot], PRIME - 2, PRIME)
    for var in row:
        row[var] = row[var] * inverse % PRIME
    for other in pivots.values():
        factor = other.get(pivot, 0)
        if factor:
            _subtract(other, row, factor)
    pivots[pivot] = row


def _subtract(row: dict[int, int], pivot_row: Mapping[int, int], factor: int) -> None:
    for var, value in pivot_row.items():
        new = (row.get(var, 0) - factor * value) % PRIME
        if new:
            row[var] = new
        else:
            row.pop(var, None)

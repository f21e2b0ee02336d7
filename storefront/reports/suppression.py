"""Small-cell suppression: no report cell counts fewer than k people (P12).

Primary suppression hides every cell whose people count is between 1 and k-1. Complementary
suppression then makes sure no hidden cell can be worked out by subtraction: in every group
of cells that add up to a total shown (a row of a table and its row total, a column and its
column total, the subtotals and the grand total), a lone hidden cell gets company: the
smallest other cell of the group is hidden too, or, when the group has no other cell, its
total. A hidden total whose cells are all shown would be their sum, so one of them is hidden
as well. This repeats until every group is safe, since hiding a cell can make another group
unsafe.
"""
from storefront.reports.tables import ALL


def groups(labels_list):
    """Every (total, members) group of a table with totals: for each dimension, the cells
    that differ only in it, and the cell where it is totalled (ALL)."""
    present = set(labels_list)
    found = []
    width = len(next(iter(present), ()))
    for position in range(width):
        members_of = {}
        for labels in present:
            if labels[position] is not ALL:
                total = labels[:position] + (ALL,) + labels[position + 1:]
                members_of.setdefault(total, []).append(labels)
        found += [(total, sorted(members, key=str)) for total, members in members_of.items()]
    return found


def suppressed_cells(counts, family, min_cell):
    """The labels of the cells to hide for one people count (family): {labels}.

    counts maps labels to {count name: value}, totals included.
    """
    def people(labels):
        return counts[labels].get(family, 0)

    def smallest(candidates):
        return min(candidates, key=lambda labels: (people(labels) == 0, people(labels),
                                                   str(labels)))

    hidden = {labels for labels in counts if 0 < people(labels) < min_cell}
    table_groups = groups(list(counts))
    changed = True
    while changed:
        changed = False
        for total, members in table_groups:
            if total not in counts:
                continue
            shown = [labels for labels in members if labels not in hidden]
            lone = len(members) - len(shown) == 1
            total_hidden = total in hidden
            if total_hidden and shown and len(shown) == len(members):
                hidden.add(smallest(shown))
            elif not total_hidden and lone:
                hidden.add(smallest(shown) if shown else total)
            else:
                continue
            changed = True
    return hidden


def suppress(counts, measures, min_cell):
    """Rows of values from raw counts: a measure's value is None where any people count
    governing it is hidden. Counts that are not measures never leave this function."""
    families = {family for measure in measures for family in measure.people}
    hidden = {family: suppressed_cells(counts, family, min_cell) for family in families}
    rows = {}
    for labels, values in counts.items():
        rows[labels] = {measure.key: (None if any(labels in hidden[family]
                                                  for family in measure.people)
                                      else values[measure.key])
                        for measure in measures}
    return rows

"""Small-cell suppression: no report cell counts fewer than k people (P12).

Primary suppression hides every cell whose people count is between 1 and k-1. Then no group
of cells that add up to a total (a row and its row total, a column and its column total, the
subtotals and the grand total) that holds a hidden cell shows its total: with the total shown,
subtraction would reveal the hidden cell, or the sum of several (and a buyer who knows their
own figure would learn the others'). A hidden total is a hidden cell of the group above it,
so this repeats up to the grand total. Each hidden cell then sits only in equations with
another unknown, and periods never overlap (whole months or years), so no figure counting
fewer than k people can be worked out.
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
    hidden = {labels for labels in counts if 0 < counts[labels].get(family, 0) < min_cell}
    table_groups = [(total, members) for total, members in groups(list(counts))
                    if total in counts]
    changed = True
    while changed:  # a hidden total is a hidden cell of the group above it: repeat
        changed = False
        for total, members in table_groups:
            if total not in hidden and any(labels in hidden for labels in members):
                hidden.add(total)
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

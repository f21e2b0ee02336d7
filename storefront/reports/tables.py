"""The shape of a report: dimensions, measures, rows with their totals, and how they are
collected from the database (every combination of dimensions, like SQL's GROUPING SETS)."""
from dataclasses import dataclass, field
from itertools import product

from peewee import SQL

ALL = None  # the label of a dimension that is totalled over ("All")


@dataclass(frozen=True)
class Dim:
    """A dimension: its column heading, its SQL expression and how a value reads."""

    label: str
    expr: object
    fmt: object = str


@dataclass(frozen=True)
class Measure:
    """A column of numbers, and the counts of people that decide whether a cell may show."""

    key: str
    label: str
    people: tuple  # names of the people counts governing this cell (see suppression.py)
    unit: str = "count"  # count, cents or percent


@dataclass
class Row:
    """One line of a report: its labels (ALL for a total) and its values (None: suppressed)."""

    labels: tuple
    values: dict

    @property
    def is_total(self):
        """True for a total or subtotal line."""
        return ALL in self.labels


@dataclass
class Report:
    """A finished, suppressed report: nothing in it counts fewer than min_cell people."""

    slug: str
    title: str
    dims: tuple  # column headings of the dimensions
    measures: tuple
    rows: list
    min_cell: int
    chart_measure: str
    notes: list = field(default_factory=list)


def grouping_sets(query, dims, aggregates):
    """Aggregates for every combination of dims, totals included.

    query is a select with its FROM, JOINs and WHERE; dims are Dim; aggregates map a name to
    an SQL aggregate. Returns {labels: {name: value}} where a totalled dimension is ALL.
    Totals are counted by the database itself (distinct people do not add up across rows).
    GROUP BY uses column positions: an expression with parameters would not match itself
    on PostgreSQL, whose parameters are numbered.
    """
    collected = {}
    for kept in product((True, False), repeat=len(dims)):
        chosen = [dim for dim, keep in zip(dims, kept, strict=True) if keep]
        columns = [dim.expr.alias(f"d{i}") for i, dim in enumerate(chosen)]
        columns += [expr.alias(name) for name, expr in aggregates.items()]
        grouped = query.select(*columns)
        if chosen:
            grouped = grouped.group_by(*[SQL(str(i + 1)) for i in range(len(chosen))])
        for values in grouped.tuples():
            labels, raw = iter(values[:len(chosen)]), values[len(chosen):]
            key = tuple(dim.fmt(next(labels)) if keep else ALL
                        for dim, keep in zip(dims, kept, strict=True))
            counts = {name: int(value or 0) for name, value in zip(aggregates, raw, strict=True)}
            if chosen or any(counts.values()):
                collected[key] = counts
    return collected


def merge(names, *collections):
    """Several grouping_sets results over the same dimensions as one; a count missing from
    a row (no orders for a source, say) is 0."""
    merged = {}
    for collection in collections:
        for labels, counts in collection.items():
            merged.setdefault(labels, dict.fromkeys(names, 0)).update(counts)
    return merged


def ordered(labels_list):
    """Labels sorted for reading: by each dimension in turn, totals after their details."""
    return sorted(labels_list, key=lambda labels: tuple((label is ALL, label or "")
                                                        for label in labels))

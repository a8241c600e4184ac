"""The budget cross-table: funder × programme × year sums re-arranged (pandas) into rows with
subtotals per group, one column per value of the column dimension, and a grand total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DIMENSIONS = {"funder": "Financeur", "programme": "Programme", "year": "Année"}
NO_YEAR = "Sans année"
TOTAL = "Total"


@dataclass(frozen=True)
class PivotLine:
    """kind: "line", "subtotal" (an outer group, all its inner values) or "total"."""

    kind: str
    outer: str
    inner: str
    values: tuple[int, ...]  # cents per column
    total: int


@dataclass(frozen=True)
class PivotTable:
    row_dims: tuple[str, ...]
    column_dim: str
    columns: tuple[str, ...]
    lines: tuple[PivotLine, ...]

    @property
    def headers(self) -> list[str]:
        return [DIMENSIONS[d] for d in self.row_dims] + list(self.columns) + [TOTAL]


def _label(dim: str, value) -> str:
    if dim == "year":
        return NO_YEAR if value is None or value != value else str(int(value))
    return str(value)


def pivot(
    rows: Sequence[tuple], row_dims: Sequence[str], column_dim: str
) -> PivotTable:  # fmt: skip
    """rows are (funder, programme, year, cents); row_dims one or two of DIMENSIONS, column_dim
    another one. Groups and columns come largest first, years in order."""
    import pandas as pd

    row_dims = tuple(row_dims)
    if (
        not row_dims
        or len(row_dims) > 2
        or column_dim in row_dims
        or len(set(row_dims)) != len(row_dims)
    ):
        raise ValueError("Choisissez une ou deux dimensions en lignes et une autre en colonnes.")
    frame = pd.DataFrame(list(rows), columns=["funder", "programme", "year", "cents"])
    for dim in DIMENSIONS:
        frame[dim] = [_label(dim, v) for v in frame[dim]] if len(frame) else frame[dim]
    frame["cents"] = frame["cents"].astype("int64")
    if frame.empty:
        return PivotTable(row_dims, column_dim, (), (PivotLine("total", TOTAL, "", (), 0),))
    table = frame.pivot_table(
        index=list(row_dims), columns=column_dim, values="cents", aggfunc="sum", fill_value=0
    )
    columns = _ordered(frame, column_dim)
    table = table.reindex(columns=columns, fill_value=0)
    lines: list[PivotLine] = []
    if len(row_dims) == 1:
        order = _ordered(frame, row_dims[0])
        for key in order:
            values = tuple(int(v) for v in table.loc[key])
            lines.append(PivotLine("line", key, "", values, sum(values)))
    else:
        outer_dim, inner_dim = row_dims
        for outer in _ordered(frame, outer_dim):
            block = table.loc[outer]
            sub = tuple(int(v) for v in block.sum(axis=0))
            lines.append(PivotLine("subtotal", outer, "", sub, sum(sub)))
            inner_order = _ordered(frame[frame[outer_dim] == outer], inner_dim)
            for inner in inner_order:
                values = tuple(int(v) for v in block.loc[inner])
                lines.append(PivotLine("line", outer, inner, values, sum(values)))
    grand = tuple(int(v) for v in table.sum(axis=0))
    lines.append(PivotLine("total", TOTAL, "", grand, sum(grand)))
    return PivotTable(row_dims, column_dim, tuple(columns), tuple(lines))


def _ordered(frame, dim: str) -> list[str]:
    """Years in order (« Sans année » last), other values largest sum first."""
    if dim == "year":
        values = sorted(set(frame[dim]), key=lambda v: (v == NO_YEAR, v))
        return values
    sums = frame.groupby(dim)["cents"].sum()
    return sorted(sums.index, key=lambda v: (-int(sums[v]), v))

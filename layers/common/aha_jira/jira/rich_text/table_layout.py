"""Where each cell of a table sits once its column and row spans are applied, within a bounded width."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .document import Cell, Row, Table

__all__ = ["MAX_COLUMNS", "TableLayout", "layout_table"]

# Browsers allow 1000 columns; a description never needs more than a screenful.
MAX_COLUMNS = 64


@dataclass
class TableLayout:
    """Where each cell sits once spans are applied.

    `placed[r]` lists `(column, cell)` for the cells that start in row r (rowspans clamped to the
    table), `covered[r][c]` is the cell occupying that slot (its own or one spanning into it), or
    None for a hole, and `width` is the number of columns.
    """

    placed: list[list[tuple[int, Cell]]]
    covered: list[list[Cell | None]]
    width: int


class _TooWide(Exception):
    pass


def layout_table(table: Table) -> TableLayout:
    """Apply spans to a grid. Rows wider than `MAX_COLUMNS` cells fold their extra cells into the
    last one, and when spans would push the table past that width they are ignored, so the grid
    (and the padded output) stays proportional to the input."""
    rows = [_fold_row(row) for row in table.rows]
    try:
        return _layout(rows, spans=True)
    except _TooWide:
        return _layout(rows, spans=False)


def _fold_row(row: Row) -> Row:
    if len(row.cells) <= MAX_COLUMNS:
        return row
    kept, extra = row.cells[: MAX_COLUMNS - 1], row.cells[MAX_COLUMNS - 1 :]
    merged = Cell(all(cell.header for cell in extra), [block for cell in extra for block in cell.blocks])
    return Row([*kept, merged])


def _layout(rows: list[Row], *, spans: bool) -> TableLayout:
    row_count = len(rows)
    slots: dict[tuple[int, int], Cell] = {}
    placed: list[list[tuple[int, Cell]]] = []
    for r, row in enumerate(rows):
        column = 0
        row_placed: list[tuple[int, Cell]] = []
        for original in row.cells:
            while (r, column) in slots:
                column += 1
            if spans:
                cell = replace(original, rowspan=min(original.rowspan, row_count - r))
            else:
                cell = replace(original, rowspan=1, colspan=1)
            if column + cell.colspan > MAX_COLUMNS:
                raise _TooWide
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    slots[(r + dr, column + dc)] = cell
            row_placed.append((column, cell))
            column += cell.colspan
        placed.append(row_placed)
    width = max((c + 1 for (_, c) in slots), default=0)
    covered = [[slots.get((r, c)) for c in range(width)] for r in range(row_count)]
    return TableLayout(placed, covered, width)

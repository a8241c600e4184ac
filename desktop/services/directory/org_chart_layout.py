"""Where the boxes and links of an organisation chart go, in points, for the screen and the print.

Pure Python (no Qt): the caller passes a `measure(text, size, bold) -> width` function, so
text is wrapped inside boxes exactly as the painter will draw it. The tree is laid out top
down: each unit's subtree is a block; a unit whose children are all leaves stacks them in
columns under a spine (three or more), other children sit side by side, wrapping onto further
rows past `max_width`. Cutting a chart into pages is org_chart_pages.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from desktop.services.directory.org_chart import ChartUnit

Measure = Callable[[str, float, bool], float]
Point = tuple[float, float]


@dataclass(frozen=True)
class TextStyle:
    size: float
    bold: bool = False
    italic: bool = False
    role: str = "text"  # the painter's colour: text, muted, vacant, note, label


STYLES = {
    # Sizes at scale 1; pages print at 0.85 or more, so nothing falls below 6 points.
    "label": TextStyle(10.0, bold=True, role="label"),
    "long_label": TextStyle(8.5, bold=True, role="label"),
    "name": TextStyle(7.0, role="muted"),
    "head": TextStyle(8.0, bold=True),
    "post": TextStyle(7.5),
    "vacant": TextStyle(7.5, italic=True, role="vacant"),
    "note": TextStyle(7.0, italic=True, role="note"),
}
LINE_SPACING = 1.28
PREFIX = {"deputy": "Adj. : ", "site_manager": "Resp. site : "}


@dataclass(frozen=True)
class Options:
    box_width: float = 160.0
    padding: float = 5.0
    h_gap: float = 14.0  # between blocks side by side
    v_gap: float = 24.0  # between a box and the row below (links run in it)
    stack_gap: float = 7.0  # between stacked leaf boxes
    stack_indent: float = 14.0  # room for the spine left of a stacked column
    stack_from: int = 3  # leaf children stacked from this many on
    stack_rows: int = 6  # at most this many boxes per stacked column
    max_width: float | None = None  # rows of subtrees wrap past this width
    name_lines: int = 3  # a unit's full name is cut (…) past this


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float  # relative to the box's top-left corner; y is the top of the line
    y: float
    style: str


@dataclass(frozen=True)
class Box:
    unit_id: int
    kind: str
    x: float
    y: float
    width: float
    height: float
    header_height: float  # the tinted band with the unit's name
    lines: tuple[TextLine, ...]
    vacant: bool = False  # every head post vacant: drawn dashed and grey
    hidden: int = 0  # sub-units not drawn here (shown on another page)

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.width and self.y <= y <= self.bottom


@dataclass(frozen=True)
class Connector:
    """The link from a parent box (first point, on its bottom edge) to a child box (last point,
    on its top or left edge), as a polyline of horizontal and vertical segments."""

    parent_id: int
    child_id: int
    points: tuple[Point, ...]


@dataclass(frozen=True)
class ChartLayout:
    boxes: tuple[Box, ...]
    connectors: tuple[Connector, ...]
    width: float
    height: float
    _index: dict[int, Box] = field(default_factory=dict, compare=False, repr=False)

    def box(self, unit_id: int) -> Box | None:
        if not self._index:
            self._index.update((b.unit_id, b) for b in self.boxes)
        return self._index.get(unit_id)

    def box_at(self, x: float, y: float) -> Box | None:
        return next((b for b in self.boxes if b.contains(x, y)), None)


# --- measuring and wrapping ------------------------------------------------------------------


def approximate_measure(text: str, size: float, bold: bool) -> float:
    """A Qt-free estimate of DejaVu Sans advances (wide side), for tests and scripts."""
    width = 0.0
    for char in text:
        if char == " ":
            width += 0.32
        elif char in "il.,:;'!|·":
            width += 0.3
        elif char.isupper() or char in "mwMW":
            width += 0.74
        else:
            width += 0.6
    return width * size * (1.08 if bold else 1.0)


def wrap(text: str, width: float, style: TextStyle, measure: Measure, max_lines: int = 0):
    """Greedy word wrap; a word too long for a line is cut; past max_lines the last line ends
    with « … »."""

    def fits(candidate: str) -> bool:
        # A little slack: the printer's advances may differ by a hair from the screen's.
        return measure(candidate, style.size, style.bold) * 1.06 <= width

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        while not fits(word) and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and not fits(word[:cut]):
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if max_lines and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last + " …"):
            last = last[:-1].rstrip()
        lines = [*lines[: max_lines - 1], last + " …"]
    return lines or [""]


# --- boxes -------------------------------------------------------------------------------------


@dataclass
class _Content:
    lines: list[TextLine]
    height: float
    header_height: float


def box_content(unit: ChartUnit, options: Options, measure: Measure, note: str = "") -> _Content:
    """The lines of a unit's box: its label (and full name under an acronym), then heads in
    bold, deputies and site managers, vacant posts, and a note (such as « voir page 3 »)."""
    inner = options.box_width - 2 * options.padding
    pad = options.padding
    lines: list[TextLine] = []
    y = pad

    def add(text: str, style_name: str, max_lines: int = 0) -> None:
        nonlocal y
        style = STYLES[style_name]
        for piece in wrap(text, inner, style, measure, max_lines):
            lines.append(TextLine(piece, pad, y, style_name))
            y += style.size * LINE_SPACING

    add(unit.label, "label" if unit.acronym else "long_label", 4)
    if unit.acronym and unit.name != unit.acronym:
        add(unit.name, "name", options.name_lines)
    y += pad * 0.6
    header = y
    body = bool(unit.posts or unit.other_vacant or note)
    if body:
        y += pad * 0.6
    for post in unit.posts:
        prefix = PREFIX.get(post.role, "")
        if post.is_vacant:
            add(prefix + "Poste vacant", "vacant")
        else:
            text = prefix + post.holder + (" (intérim)" if post.is_interim else "")
            add(text, "head" if post.role == "head" else "post")
    if unit.other_vacant:
        count = unit.other_vacant
        add(f"{count} autre{'s' if count > 1 else ''} poste{'s' if count > 1 else ''} "
            f"vacant{'s' if count > 1 else ''}", "vacant")  # fmt: skip
    if note:
        add(note, "note")
    if body:
        y += pad * 0.6
    return _Content(lines, max(y, header), header)


# --- the tree ----------------------------------------------------------------------------------


@dataclass
class _Block:
    width: float
    height: float
    box_x: float  # the unit's box inside the block (always at the top)
    children: list[tuple[int, float, float]]  # (unit id, dx, dy) of each child block
    links: list[tuple[int, list[Point]]]  # (child id, polyline) relative to the block


def children_map(units: Sequence[ChartUnit]) -> tuple[list[int], dict[int, list[int]]]:
    known = {u.id for u in units}
    roots: list[int] = []
    children: dict[int, list[int]] = {}
    for unit in units:
        if unit.parent_id is None or unit.parent_id not in known:
            roots.append(unit.id)
        else:
            children.setdefault(unit.parent_id, []).append(unit.id)
    return roots, children


def layout_chart(
    units: Sequence[ChartUnit],
    root_id: int | None = None,
    *,
    measure: Measure = approximate_measure,
    options: Options | None = None,
    collapsed: Iterable[int] = (),
    notes: dict[int, str] | None = None,
) -> ChartLayout:
    """Lay out the subtree of root_id (every root side by side when None). Units in
    `collapsed` are drawn without their sub-units (their box says how many are hidden)."""
    options = options or Options()
    notes = notes or {}
    by_id = {u.id: u for u in units}
    roots, children = children_map(units)
    folded = set(collapsed)
    shown_children = {k: v for k, v in children.items() if k not in folded}
    top = [root_id] if root_id is not None else roots
    if root_id is not None and root_id not in by_id:
        raise KeyError(root_id)

    # Units in depth-first order, so that reversed, every child comes before its parent.
    order: list[int] = []
    stack = list(reversed(top))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(shown_children.get(node, [])))

    contents = {uid: box_content(by_id[uid], options, measure, notes.get(uid, "")) for uid in order}
    blocks: dict[int, _Block] = {}
    for uid in reversed(order):
        kids = shown_children.get(uid, [])
        height = contents[uid].height
        if not kids:
            blocks[uid] = _Block(options.box_width, height, 0.0, [], [])
        elif len(kids) >= options.stack_from and all(k not in shown_children for k in kids):
            blocks[uid] = _stacked(kids, height, contents, options)
        else:
            blocks[uid] = _rows(kids, height, blocks, options)

    # The roots side by side, then absolute positions top-down.
    origin: dict[int, Point] = {}
    x = 0.0
    for root in top:
        origin[root] = (x, 0.0)
        x += blocks[root].width + options.h_gap
    boxes: list[Box] = []
    connectors: list[Connector] = []
    hidden = _descendant_counts(children, folded)
    for uid in order:
        bx, by = origin[uid]
        block = blocks[uid]
        for child, dx, dy in block.children:
            origin[child] = (bx + dx, by + dy)
        for child, points in block.links:
            connectors.append(Connector(uid, child, tuple((bx + px, by + py) for px, py in points)))
        content = contents[uid]
        unit = by_id[uid]
        boxes.append(
            Box(
                uid,
                unit.kind,
                bx + block.box_x,
                by,
                options.box_width,
                content.height,
                content.header_height,
                tuple(content.lines),
                unit.head_vacant,
                hidden.get(uid, 0),
            )  # fmt: skip
        )
    width = max((b.x + b.width for b in boxes), default=0.0)
    height = max((b.bottom for b in boxes), default=0.0)
    return ChartLayout(tuple(boxes), tuple(connectors), width, height)


def _descendant_counts(children: dict[int, list[int]], folded: set[int]) -> dict[int, int]:
    """How many units lie below each collapsed unit (what its box says is drawn elsewhere)."""
    counts = {}
    for uid in folded:
        total, stack = 0, list(children.get(uid, []))
        while stack:
            node = stack.pop()
            total += 1
            stack.extend(children.get(node, []))
        if total:
            counts[uid] = total
    return counts


def _stacked(kids: list[int], parent_h: float, contents, options: Options) -> _Block:
    """Leaf children in columns under the parent, each column with a spine on its left."""
    n = len(kids)
    column_w = options.stack_indent + options.box_width
    columns = math.ceil(n / options.stack_rows)
    if options.max_width:
        fit = int((options.max_width + options.h_gap) // (column_w + options.h_gap))
        columns = max(1, min(columns, fit))
    rows = math.ceil(n / columns)
    columns = math.ceil(n / rows)
    width = columns * column_w + (columns - 1) * options.h_gap
    top = parent_h + options.v_gap
    bus_y = parent_h + options.v_gap / 2
    # One column is the classic indented list: the spine drops from the parent's left part.
    box_x = 0.0 if columns == 1 else (width - options.box_width) / 2
    parent_x = box_x + options.box_width / 2 if columns > 1 else options.stack_indent / 2
    children: list[tuple[int, float, float]] = []
    links: list[tuple[int, list[Point]]] = []
    bottom = top
    for index, kid in enumerate(kids):
        column, row = divmod(index, rows)
        if row == 0:
            y = top
        x = column * (column_w + options.h_gap)
        spine = x + options.stack_indent / 2
        child_x = x + options.stack_indent
        children.append((kid, child_x, y))
        mid = y + min(contents[kid].header_height, contents[kid].height) / 2
        if columns == 1:
            points = [(parent_x, parent_h), (spine, mid), (child_x, mid)]
        else:
            points = [(parent_x, parent_h), (parent_x, bus_y), (spine, bus_y), (spine, mid),
                      (child_x, mid)]  # fmt: skip
        links.append((kid, _tidy(points)))
        y += contents[kid].height + options.stack_gap
        bottom = max(bottom, y - options.stack_gap)
    return _Block(max(width, options.box_width), bottom, box_x, children, links)


def _rows(kids: list[int], parent_h: float, blocks: dict[int, _Block], options: Options):
    """Child blocks side by side under the parent, wrapping onto further rows past max_width;
    rows after the first hang from a trunk in a channel left of every row."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for kid in kids:
        w = blocks[kid].width
        if rows[-1] and options.max_width and used + options.h_gap + w > options.max_width:
            rows.append([])
            used = 0.0
        used += (options.h_gap if rows[-1] else 0.0) + w
        rows[-1].append(kid)
    channel = options.h_gap if len(rows) > 1 else 0.0
    trunk_x = channel / 2
    placed: list[tuple[int, float, float]] = []
    row_tops: list[float] = []
    y = parent_h + options.v_gap
    for row in rows:
        row_tops.append(y)
        x = channel
        bottom = y
        for kid in row:
            placed.append((kid, x, y))
            x += blocks[kid].width + options.h_gap
            bottom = max(bottom, y + blocks[kid].height)
        y = bottom + options.v_gap
    height = y - options.v_gap

    def center(kid: int, dx: float) -> float:
        return dx + blocks[kid].box_x + options.box_width / 2

    first_row = [(k, dx) for k, dx, dy in placed if dy == row_tops[0]]
    box_x = (center(*first_row[0]) + center(*first_row[-1])) / 2 - options.box_width / 2
    shift = max(0.0, -box_x)
    box_x += shift
    placed = [(k, dx + shift, dy) for k, dx, dy in placed]
    trunk_x += shift
    parent_x = box_x + options.box_width / 2
    links: list[tuple[int, list[Point]]] = []
    for kid, dx, dy in placed:
        cx = center(kid, dx)
        bus_y = dy - options.v_gap / 2
        if dy == row_tops[0]:
            points = [(parent_x, parent_h), (parent_x, bus_y), (cx, bus_y), (cx, dy)]
        else:
            first_bus = row_tops[0] - options.v_gap / 2
            points = [(parent_x, parent_h), (parent_x, first_bus), (trunk_x, first_bus),
                      (trunk_x, bus_y), (cx, bus_y), (cx, dy)]  # fmt: skip
        links.append((kid, _tidy(points)))
    width = max([box_x + options.box_width] + [dx + blocks[k].width for k, dx, _ in placed])
    return _Block(width, height, box_x, placed, links)


def _tidy(points: list[Point]) -> list[Point]:
    """Drop repeated points and merge straight runs (a link straight down is two points)."""
    out: list[Point] = []
    for point in points:
        if out and math.isclose(out[-1][0], point[0]) and math.isclose(out[-1][1], point[1]):
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (math.isclose(ax, bx) and math.isclose(bx, point[0])) or (
                math.isclose(ay, by) and math.isclose(by, point[1])
            ):
                out[-1] = point
                continue
        out.append(point)
    return out

"""Reading layout from word boxes: rows of words, blocks of text within a row, and neighbours.

A `Row` is every word of a page whose vertical band overlaps the others' (one visual line).
Rows split into `Block`s at wide horizontal gaps, so two columns on one line stay apart.
Each block keeps its text with the character offset of every word, so a regex match on the
text maps back to the words (and their boxes) it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.document import BBox, Page, Word

GAP_FACTOR = 1.6  # a gap wider than this many line heights starts a new block


def union(boxes: list[BBox]) -> BBox:
    """The smallest box around all `boxes`."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass
class Block:
    page: int
    words: list[Word]
    text: str = ""
    starts: list[int] = field(default_factory=list)
    bbox: BBox = (0.0, 0.0, 0.0, 0.0)
    row: int = 0  # index of the row in the page's reading order
    index: int = 0  # position of the block in its row, left to right

    def __post_init__(self) -> None:
        parts, pos = [], 0
        for word in self.words:
            self.starts.append(pos)
            parts.append(word.text)
            pos += len(word.text) + 1
        self.text = " ".join(parts)
        self.bbox = union([w.bbox for w in self.words])

    def span_words(self, start: int, end: int) -> list[Word]:
        """Words that overlap the character span [start, end) of `text`."""
        return [
            w for w, s in zip(self.words, self.starts, strict=True)
            if s < end and start < s + len(w.text)
        ]

    def span_bbox(self, start: int, end: int) -> BBox:
        words = self.span_words(start, end) or self.words
        return union([w.bbox for w in words])

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


@dataclass
class Layout:
    """Rows of blocks for every page, in reading order (top to bottom, left to right)."""

    rows: list[list[Block]]
    table_rows: set[int] = field(default_factory=set)  # rows that are line items of a table

    @property
    def blocks(self) -> list[Block]:
        return [b for row in self.rows for b in row]

    def block_at(self, row: int, x: float) -> Block | None:
        """The block of `row` that spans the x position `x` (where a value starts)."""
        return next((b for b in self.rows[row] if b.bbox[0] - 1e-6 <= x <= b.bbox[2] + 1e-6),
                    None)

    def right_of(self, block: Block) -> list[Block]:
        """The blocks after `block` on its line: its row's, or, when its row has none, those
        of the row above or below that sit mostly beside it (two columns whose lines are
        spaced differently fall into neighbouring rows: "Tel: ... 2018-5753" over
        "USt-IdNr: ... Rechnungsnr.:")."""
        after = self.rows[block.row][block.index + 1:]
        if after:
            return after
        beside = [other for row in self.rows[max(0, block.row - 1): block.row + 2]
                  for other in row if other.page == block.page and other.row != block.row
                  and other.bbox[0] >= block.bbox[2] and _v_overlap(block.bbox, other.bbox)
                  >= 0.6 * min(block.height, other.height)]
        return sorted(beside, key=lambda b: b.bbox[0])

    def below(self, block: Block, max_rows: int = 2) -> list[Block]:
        """Blocks in the next rows of the same page that overlap `block` horizontally."""
        out: list[Block] = []
        for row in self.rows[block.row + 1: block.row + 1 + max_rows]:
            for other in row:
                if other.page != block.page:
                    return out
                if _h_overlap(block.bbox, other.bbox) > 0:
                    out.append(other)
        return out


def _h_overlap(a: BBox, b: BBox) -> float:
    return min(a[2], b[2]) - max(a[0], b[0])


def _v_overlap(a: BBox, b: BBox) -> float:
    return min(a[3], b[3]) - max(a[1], b[1])


def _rows_of_page(words: list[Word]) -> list[list[Word]]:
    """Group words whose vertical middles fall inside each other's band (the row's first word).

    A word printed over or under one already in the row is on another line, however close:
    on a skewed scan, a long line's box grows tall enough to take in the short line under it
    ("Tel ... www.shop.com" over "04109 Leipzig")."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w.bbox[1] + w.bbox[3]) / 2, w.bbox[0])):
        top, bottom = word.bbox[1], word.bbox[3]
        if rows:
            r_top, r_bottom = rows[-1][0].bbox[1], rows[-1][0].bbox[3]
            if (r_top <= (top + bottom) / 2 <= r_bottom or top <= (r_top + r_bottom) / 2 <= bottom
                    ) and not any(_stacked(word.bbox, other.bbox) for other in rows[-1]):
                rows[-1].append(word)
                continue
        rows.append([word])
    return [sorted(r, key=lambda w: w.bbox[0]) for r in rows]


def _stacked(a: BBox, b: BBox) -> bool:
    """Whether two words share most of the narrower one's width (one is over the other)."""
    return _h_overlap(a, b) > 0.5 * min(a[2] - a[0], b[2] - b[0])


def _split_blocks(words: list[Word], aspect: float) -> list[list[Word]]:
    """Split a row at gaps wider than GAP_FACTOR line heights (in page-width units)."""
    height = sorted(w.bbox[3] - w.bbox[1] for w in words)[len(words) // 2]
    limit = GAP_FACTOR * height * aspect
    blocks = [[words[0]]]
    for prev, word in zip(words, words[1:], strict=False):
        if word.bbox[0] - prev.bbox[2] > limit:
            blocks.append([word])
        else:
            blocks[-1].append(word)
    return blocks


def build_layout(pages: list[Page]) -> Layout:
    """Rows and blocks of all pages, in page order."""
    rows: list[list[Block]] = []
    for page in sorted(pages, key=lambda p: p.number):
        words = [w for w in page.words if w.text.strip()]
        aspect = page.height / page.width if page.width else 1.0
        for row_words in _rows_of_page(words):
            blocks = [
                Block(page=page.number, words=ws, row=len(rows), index=i)
                for i, ws in enumerate(_split_blocks(row_words, aspect))
            ]
            rows.append(blocks)
    return Layout(rows=rows)

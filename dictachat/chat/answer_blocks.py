"""A growing Markdown answer split into settled blocks and a growing tail, so the browser renders
each finished block once and re-renders only the tail while the answer streams.

A top-level block is settled once another top-level block has begun after it: CommonMark closes a
block for good when the next one starts, so nothing appended later can change how it renders. The
exceptions are constructs whose meaning reaches backwards or across blank lines — link reference
and footnote definitions, `$$` display math — and an answer containing one keeps no settled blocks
(it renders whole, as before). markdown-it-py (CommonMark, the same grammar react-markdown parses)
finds the block boundaries; only the unsettled part is parsed again on each update.
"""

from __future__ import annotations

import itertools
import re

from markdown_it import MarkdownIt

# HTML on, as in the browser's parser: an HTML block (e.g. `<pre>`) may span blank lines. Blocks
# only: the inline rules (emphasis, links) never move a block boundary, so they are not run.
_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).disable("inline")
# A line that defines a link reference or a footnote (`[x]: url`, `[^1]: note`), or display math.
_REACHES_BACK = re.compile(r"^ {0,3}\[[^\]\n]+\]:|\$\$", re.M)


def block_starts(text: str) -> list[int]:
    """The first line of each top-level block of `text`."""
    return [token.map[0] for token in _PARSER.parse(text) if token.level == 0 and token.nesting >= 0 and token.map]


class AnswerBlocks:
    """Follows one answer as it grows: `settled` (source of each finished block) and `tail`."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.settled: list[str] = []
        self._text = ""
        self._offset = 0  # where the unsettled part begins in `_text`
        self._whole = False  # the answer reaches back: render it whole

    @property
    def tail(self) -> str:
        return self._text[self._offset:]

    def update(self, text: str) -> bool:
        """Take the answer so far; True when `settled` changed."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # line ends as the parser counts them
        changed = False
        if not text.startswith(self._text):  # not a continuation (a new answer): start over
            changed = bool(self.settled)
            self._reset()
        self._text = text
        if self._whole:
            return changed
        if _REACHES_BACK.search(text):
            self._whole, self._offset = True, 0
            changed, self.settled = changed or bool(self.settled), []
            return changed
        tail = self.tail
        starts = block_starts(tail)
        line_at = [0] + [i + 1 for i, char in enumerate(tail) if char == "\n"]
        if starts and starts[-1] == len(line_at) - 1:
            # The last block's first line is still being written, and may yet turn into something
            # that continues the block before it ("2" becoming "2." of an ordered list).
            starts.pop()
        if len(starts) < 2:
            return changed
        # Each settled block runs from its first line (the first one also takes any blank lines
        # before it) to the line where the next block begins; the last block is the tail.
        bounds = [0] + [line_at[start] for start in starts[1:]]
        for begin, end in itertools.pairwise(bounds):
            self.settled.append(tail[begin:end])
        self._offset += bounds[-1]
        return True

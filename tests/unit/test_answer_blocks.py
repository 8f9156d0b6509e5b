"""The incremental answer renderer: settled blocks rendered one by one plus the tail render exactly
like the whole answer, however the answer is cut into streamed pieces."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dictachat.chat.answer_blocks import AnswerBlocks

# The reference: a full CommonMark (+ GFM tables) render of the whole text, inline rules included.
_FULL = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

WORDS = ["שלום", "word", "**bold**", "_em_", "`code`", "[link](https://example.com)", "[ref]", "a|b", "~~x~~", "1.", "-"]
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
BLOCKS = st.one_of(
    words,  # paragraph
    words.map(lambda w: "# " + w),
    words.map(lambda w: w + "\n---"),  # setext heading
    st.lists(words, min_size=1, max_size=4).map(lambda items: "\n".join("- " + i for i in items)),
    st.lists(words, min_size=1, max_size=4).map(lambda items: "\n\n".join(f"{n + 1}. " + i for n, i in enumerate(items))),
    st.lists(words, min_size=1, max_size=3).map(lambda items: "- " + items[0] + "".join("\n  - " + i for i in items[1:])),
    words.map(lambda w: "> " + w + "\nlazy " + w),
    st.lists(words, min_size=1, max_size=3).map(lambda lines: "```py\n" + "\n\n".join(lines) + "\n```"),
    words.map(lambda w: "```\nunclosed " + w),
    words.map(lambda w: "    indented " + w + "\n\n    more"),
    words.map(lambda w: "| a | b |\n|---|---|\n| " + w + " | 2 |"),
    st.just("***"),
    words.map(lambda w: "<pre>\n" + w + "\n\n" + w + "\n</pre>"),
    words.map(lambda w: "<div>\n" + w + "\n</div>"),
    st.just("[ref]: https://example.com"),
    words.map(lambda w: w + "[^1]\n\n[^1]: note"),
    words.map(lambda w: "$$\n" + w + "\n\n" + w + "\n$$"),
)
SEPARATORS = st.sampled_from(["\n", "\n\n", "\n\n\n", "\n \n", "\r\n\r\n"])
# Character soup: the characters Markdown gives meaning to, in any order.
SOUP = st.text(alphabet="-*_#>`|[]():!~= \n1.\tאב", max_size=120)


@st.composite
def answers(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(SOUP)
    blocks = draw(st.lists(BLOCKS, min_size=1, max_size=8))
    text = blocks[0]
    for block in blocks[1:]:
        text += draw(SEPARATORS) + block
    return text


def pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


def rendered_in_parts(blocks: AnswerBlocks) -> str:
    return "".join(_FULL.render(block) for block in blocks.settled) + _FULL.render(blocks.tail)


@settings(max_examples=400, deadline=None)
@given(answers(), st.lists(st.integers(min_value=0, max_value=10_000), max_size=12))
def test_settled_blocks_and_tail_render_like_the_whole_answer(text: str, cuts: list[int]) -> None:
    blocks, so_far = AnswerBlocks(), ""
    for piece in pieces(text, cuts):
        so_far += piece
        blocks.update(so_far)
        assert rendered_in_parts(blocks) == _FULL.render(so_far)
    assert "".join(blocks.settled) + blocks.tail == so_far.replace("\r\n", "\n")


def test_finished_blocks_settle_and_only_the_last_one_grows() -> None:
    blocks = AnswerBlocks()
    blocks.update("# Title\n\nFirst paragraph.\n\n- one\n- tw")
    assert blocks.settled == ["# Title\n\n", "First paragraph.\n\n"]
    assert blocks.tail == "- one\n- tw"
    assert not blocks.update("# Title\n\nFirst paragraph.\n\n- one\n- two")  # the list is still growing


def test_a_reference_definition_keeps_the_answer_whole() -> None:
    blocks = AnswerBlocks()
    blocks.update("See [docs].\n\nMore text.\n\nEven more")
    assert blocks.settled
    assert blocks.update("See [docs].\n\nMore text.\n\nEven more\n\n[docs]: https://example.com")
    assert blocks.settled == [] and blocks.tail.startswith("See [docs].")


def test_a_new_answer_starts_over() -> None:
    blocks = AnswerBlocks()
    blocks.update("one\n\ntwo\n\nthree")
    assert blocks.update("other")
    assert blocks.settled == [] and blocks.tail == "other"

"""Markdown for model output: highlighted LTR code blocks with a copy button, and no raw HTML.

`use_raw=False` drops the rehype-raw plugin, so react-markdown shows any HTML in the model's
answer as text instead of creating elements (no `<script>`, no `onerror=`).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.components.markdown.markdown import Markdown
from reflex.components.tags.tag import CommonTag
from reflex.vars.base import Var

# Inside a Markdown component function, `props` holds the element's attributes. react-markdown
# already empties unsafe URLs; a link is kept only for web and mail addresses, anything else
# (javascript:, data:, vbscript:, an emptied or relative URL) shows as plain text.
_SAFE_HREF = Var(_js_expr="/^(https?:|mailto:)/i.test(props.href ?? '')", _var_type=bool)


def _code_block(code: rx.Var, **props: Any) -> rx.Component:
    language = props.pop("language", None)
    if language is not None:
        props["language"] = language
    return rx.el.div(
        rx.el.div(
            rx.el.span(language if language is not None else "", class_name="code-lang"),
            rx.el.button(
                rx.icon("copy", size=14, class_name="icon-copy"),
                rx.icon("check", size=14, class_name="icon-done"),
                type="button",
                class_name="copy-btn code-copy",
                aria_label="Copy code",
                custom_attrs={"data-copy-code": "1"},
            ),
            class_name="code-head",
        ),
        # One fixed theme (dark, in both colour modes): a colour-mode-dependent theme would read a
        # React context inside the Markdown render of each message, which React flags as a hook-order change.
        rx.code_block(code, theme=rx.code_block.themes.one_dark, wrap_long_lines=False, class_name="code-body", **props),
        class_name="code-wrap",
        dir="ltr",
    )


# The languages models write most. Each is a chunk of its own that the highlighter fetches and
# compiles the first time a block needs it.
_WARM_LANGUAGES = ("python", "javascript", "typescript", "bash", "json")


def highlighter_warmup() -> rx.Component:
    """Hidden code blocks, so the page loads the syntax highlighter and its common languages at once.

    The highlighter is loaded lazily: without this, the first code block of an answer fetches and
    compiles it mid-stream, a 50-70 ms stall of the main thread at the moment the reader watches."""
    return rx.el.div(
        *(rx.code_block("0", language=lang, theme=rx.code_block.themes.one_dark) for lang in _WARM_LANGUAGES),
        hidden=True,
        aria_hidden="true",
        class_name="highlighter-warmup",
    )


def _auto(tag: Any) -> Any:
    """Block elements follow the direction of their own text (Hebrew paragraphs RTL, English LTR)."""
    return lambda text, **props: tag(text, dir="auto", **props)


COMPONENT_MAP: dict[str, Any] = {
    "p": _auto(rx.el.p),
    "li": _auto(rx.el.li),
    "ul": lambda text, **props: rx.el.ul(text, **props),
    "ol": lambda text, **props: rx.el.ol(text, **props),
    "h1": _auto(rx.el.h1),
    "h2": _auto(rx.el.h2),
    "h3": _auto(rx.el.h3),
    "h4": _auto(rx.el.h4),
    "h5": _auto(rx.el.h5),
    "h6": _auto(rx.el.h6),
    "blockquote": _auto(rx.el.blockquote),
    "td": _auto(rx.el.td),
    "th": _auto(rx.el.th),
    "a": lambda text, **props: rx.el.span(
        rx.cond(_SAFE_HREF, rx.el.a(text, href=Var(_js_expr="props.href", _var_type=str), target="_blank",
                                    rel="noopener noreferrer nofollow"), text),
        class_name="md-link",
    ),
    "code": lambda text, **props: rx.el.code(text, dir="ltr", class_name="inline-code", **props),
    "pre": _code_block,
}


class _Markdown(Markdown):
    """react-markdown given one component map for the page's lifetime.

    Reflex builds the map (a new function per tag) on every render; react-markdown then hands React
    new element types, so React unmounts and remounts every element of a block each time its text
    grows: the streaming tail's code blocks were highlighted from scratch and its DOM rebuilt on
    every update. A map without hooks can be built once, when the module loads."""

    def _static_map(self) -> str:
        return self._get_component_map_name() + "_static"

    def _has_hooks(self) -> bool:
        return any(factory(Var(_js_expr="", _var_type=str))._get_all_hooks() for factory in self.component_map.values())

    def _get_custom_code(self) -> str | None:
        code = super()._get_custom_code() or ""
        if self._has_hooks():
            return code
        return code + f"const {self._static_map()} = {self._get_component_map_name()}();\n"

    def _render(self) -> CommonTag:
        tag = super()._render()
        return tag if self._has_hooks() else tag.add_props(components=Var(_js_expr=self._static_map()))


def markdown(content: rx.Var, class_name: str = "md") -> rx.Component:
    """Render model output as Markdown, safely: GFM and math, no raw HTML (see the module docstring)."""
    plugins = rx.markdown.plugin
    return rx.el.div(
        _Markdown.create(content, component_map=COMPONENT_MAP, remark_plugins=[plugins.math, plugins.gfm],
                         rehype_plugins=[plugins.katex, plugins.unwrap_images]),
        class_name=class_name,
        dir="auto",
    )


@rx.memo
def markdown_part(text: rx.Var[str]) -> rx.Component:
    """One block of an answer: React renders it again only when its text changes."""
    return markdown(text, class_name="md-part")


def answer_markdown(settled: rx.Var[list[str]], tail: rx.Var[str]) -> rx.Component:
    """An answer as settled blocks, each rendered once, then the last (growing while it streams).

    The parts are `display: contents`, so the blocks lay out as one Markdown document. Settled blocks
    and the tail are one list (keyed by position), so when the tail's first block settles it stays in
    the same element: React re-renders it with its final text and keeps its DOM."""
    parts = settled + rx.Var.create([tail]).to(list[str])
    return rx.el.div(
        rx.foreach(parts, lambda block: markdown_part(text=block)),
        class_name="md md-parts",
        dir="auto",
    )

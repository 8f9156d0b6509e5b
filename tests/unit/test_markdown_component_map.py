"""The answer's Markdown hands react-markdown one component map built when the page loads, not a new
one per render (new component functions make React remount the whole streaming tail on each update)."""

from __future__ import annotations

import reflex as rx

from dictachat.chat.components.markdown import answer_markdown, markdown


def test_the_component_map_is_built_once_per_page_load() -> None:
    component = markdown(rx.Var.create("text"))
    md = component.children[0]
    name = md._get_component_map_name()
    assert f"components:{name}_static" in str(component)
    assert f"{name}()" not in str(component)  # never called while rendering
    assert f"const {name}_static = {name}();" in (md._get_custom_code() or "")


def test_settled_blocks_and_the_tail_are_one_keyed_list() -> None:
    js = str(answer_markdown(rx.Var.create(["# a\n\n"]), rx.Var.create("b")))
    assert js.count("Array.prototype.map.call") == 1  # the tail is the list's last item, not a sibling element
    assert "key:" in js

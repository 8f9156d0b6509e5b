"""The chat template llama-server runs: read from a GGUF (one written here with the `gguf` package and
the shipped SmolLM2 file), the bundled DictaLM-style fallback, the default system prompt around either.

Rendering uses sandboxed Jinja2 as Hugging Face's `apply_chat_template` does; the same bundled template
is rendered by the real llama-server in tests/integration/test_llama_real.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from common.chat_template import (
    BUNDLED,
    TemplateChoiceError,
    choose,
    opens_thinking,
    read_gguf_template,
    render,
    with_default_system,
)
from tests.support import CALCULATOR_TOOLS, ROOT, calculator_conversation, ensure, write_gguf

TOOLS = CALCULATOR_TOOLS
CONVERSATION = calculator_conversation(thinking=True)


@pytest.fixture(scope="module")
def smollm2() -> Path:
    return Path(ensure("ensure_small_model.sh"))


def bundled() -> str:
    return BUNDLED.read_text(encoding="utf-8")


# --- reading the GGUF --------------------------------------------------------------------------


def test_template_is_read_from_a_gguf_written_with_the_gguf_package(tmp_path: Path) -> None:
    text = "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}שלום"
    model = write_gguf(tmp_path / "tiny.gguf", text)
    assert read_gguf_template(model) == text
    chosen = choose("model", model)
    assert chosen.text == text and "tiny.gguf" in chosen.source


def test_a_gguf_without_a_template_falls_back_to_the_bundled_one(tmp_path: Path) -> None:
    model = write_gguf(tmp_path / "bare.gguf", None)
    assert read_gguf_template(model) is None
    chosen = choose("model", model)
    assert chosen.text == bundled() and "carries none" in chosen.source


def test_choice_bundled_and_a_path(tmp_path: Path) -> None:
    model = write_gguf(tmp_path / "tiny.gguf", "{{ 'own' }}")
    assert choose("bundled", model).text == bundled()
    mine = tmp_path / "mine.jinja"
    mine.write_text("{{ 'mine' }}")
    assert choose(str(mine), model).text == "{{ 'mine' }}"
    with pytest.raises(TemplateChoiceError, match=r"CHAT_TEMPLATE=nope\.jinja"):
        choose("nope.jinja", model)


def test_a_file_that_is_not_gguf_is_refused_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF")
    with pytest.raises(TemplateChoiceError, match=r"broken\.gguf"):
        choose("model", broken)


def test_smollm2_carries_a_chatml_template_that_does_not_think(smollm2: Path) -> None:
    own = read_gguf_template(smollm2)
    assert own is not None and "<|im_start|>" in own
    prompt = render(own, [{"role": "user", "content": "hi"}])
    assert prompt.endswith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    assert not opens_thinking(own)


# --- the bundled template in DictaLM's conventions ---------------------------------------------


def test_bundled_renders_tools_calls_results_and_opens_thinking() -> None:
    prompt = render(bundled(), CONVERSATION, tools=TOOLS)
    tool_json = json.dumps(TOOLS[0], ensure_ascii=False)
    expected = (
        "<|im_start|>system\nYou are DictaLM, a helpful assistant. Think step by step inside <think></think> before you "
        "answer, and answer in the language of the question.\n\n# Tools\n\nYou may call one or more functions to assist "
        "with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        f"{tool_json}\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
        '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
        "</tool_call><|im_end|>\n"
        "<|im_start|>user\nכמה זה 6*7?<|im_end|>\n"
        '<|im_start|>assistant\n<tool_call>\n{"name": "calculator", "arguments": {"expression": "6*7"}}\n</tool_call><|im_end|>\n'
        '<|im_start|>user\n<tool_response>\n{"result": 42}\n</tool_response><|im_end|>\n'
        "<|im_start|>assistant\n42.<|im_end|>\n"
        "<|im_start|>user\nועכשיו?<|im_end|>\n"
        "<|im_start|>assistant\n<think>"
    )
    assert prompt == expected
    assert "שש כפול שבע" not in prompt and "got it" not in prompt  # earlier thinking is dropped
    assert opens_thinking(bundled())


def test_bundled_keeps_a_request_system_message_and_groups_tool_results() -> None:
    messages = [
        {"role": "system", "content": "ענה בקצרה."},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "a", "function": {"name": "clock", "arguments": {"tz": "Asia/Jerusalem"}}},
            {"id": "b", "function": {"name": "calculator", "arguments": '{"expression": "1+1"}'}}]},
        {"role": "tool", "tool_call_id": "a", "content": "10:00"},
        {"role": "tool", "tool_call_id": "b", "content": "2"},
    ]
    prompt = render(bundled(), messages, add_generation_prompt=False)
    assert prompt.startswith("<|im_start|>system\nענה בקצרה.<|im_end|>\n")
    assert "You are DictaLM" not in prompt
    assert ('<|im_start|>assistant\n<tool_call>\n{"name": "clock", "arguments": {"tz": "Asia/Jerusalem"}}\n</tool_call>\n'
            '<tool_call>\n{"name": "calculator", "arguments": {"expression": "1+1"}}\n</tool_call><|im_end|>\n') in prompt
    assert prompt.endswith("<|im_start|>user\n<tool_response>\n10:00\n</tool_response>\n<tool_response>\n2\n</tool_response><|im_end|>\n")


# --- the default system prompt around any template ---------------------------------------------


@pytest.mark.parametrize("which", ["bundled", "smollm2"])
def test_system_prompt_is_the_default_system_message_verbatim(which: str, smollm2: Path) -> None:
    template = bundled() if which == "bundled" else read_gguf_template(smollm2) or ""
    prompt_text = 'אתה "DictaLM" \\ עוזר.\nSecond line {{ not jinja }} {% raw %}'
    wrapped = with_default_system(template, prompt_text)
    out = render(wrapped, [{"role": "user", "content": "hi"}], tools=TOOLS)
    assert out.startswith(f"<|im_start|>system\n{prompt_text}")
    own = render(wrapped, [{"role": "system", "content": "mine"}, {"role": "user", "content": "hi"}])
    assert own.startswith("<|im_start|>system\nmine<|im_end|>") and prompt_text not in own
    assert opens_thinking(wrapped) == (which == "bundled")


def test_an_empty_system_prompt_leaves_the_template_untouched() -> None:
    assert with_default_system(bundled(), "  ") == bundled()


def test_cli_writes_the_chosen_template_and_says_which(tmp_path: Path) -> None:
    model = write_gguf(tmp_path / "tiny.gguf", None)
    out = tmp_path / "run" / "t.jinja2"
    result = subprocess.run([sys.executable, "-m", "gateway.cli.chat_template", "--model", str(model), "--choice", "model",
                             "--system-prompt", "S", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "bundled chat_template.jinja2.template (tiny.gguf carries none)" in result.stderr
    assert "opens <think>" in result.stderr
    assert render(out.read_text(), [{"role": "user", "content": "hi"}]).startswith("<|im_start|>system\nS<|im_end|>")

"""Write the chat template llama-server should run (CHAT_TEMPLATE: model | bundled | a path) with
SYSTEM_PROMPT as the default system message; print which template it is. Used by llama_entrypoint.sh.

    python -m gateway.cli.chat_template --model models/x.gguf --choice model --out run/chat_template.jinja2
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from common.chat_template import TemplateChoiceError, choose, opens_thinking, with_default_system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="the GGUF file")
    parser.add_argument("--choice", default=os.environ.get("CHAT_TEMPLATE", "model"), help="model | bundled | a path")
    parser.add_argument("--system-prompt", default=os.environ.get("SYSTEM_PROMPT", ""))
    parser.add_argument("--out", required=True, type=Path, help="where to write the template")
    args = parser.parse_args(argv)
    try:
        chosen = choose(args.choice, args.model)
    except TemplateChoiceError as exc:
        print(f"chat_template: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(with_default_system(chosen.text, args.system_prompt), encoding="utf-8")
    thinking = "opens <think>" if opens_thinking(chosen.text) else "does not open <think>"
    print(f"chat_template: {chosen.source}; its generation prompt {thinking}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

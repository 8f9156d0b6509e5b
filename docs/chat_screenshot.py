"""Regenerate docs/chat.png: a Hebrew conversation with a collapsed thinking block and a tool block.

The conversation is stored through dictachat's own history API (so it renders exactly as a real
one), then a headless Chromium opens it. Run against a running dictachat and its database:

    DATABASE_URL=... python docs/chat_screenshot.py --url http://127.0.0.1:8003
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from dictachat.chat import history
from dictachat.tools import run_tool

OUT = Path(__file__).with_name("chat.png")
QUESTION = "איזה תאריך עברי יהיה ב-3 באוקטובר 2024? ומה מיוחד בו?"
THINKING = (
    "המשתמש שואל על התאריך העברי של 3 באוקטובר 2024. כדאי לא לנחש: "
    "אשתמש בכלי gregorian_to_hebrew ואבדוק גם אם חל בו חג."
)
ANSWER = """ב-**3 באוקטובר 2024** יחול **א׳ בתשרי התשפ״ה** — זהו **ראש השנה**, היום הראשון של השנה העברית החדשה.

מה מיוחד בו:
- **תחילת השנה** — 5785 לבריאת העולם.
- **תקיעת שופר** בבית הכנסת.
- **סימנים** על שולחן החג: תפוח בדבש, רימון וראש דג.

אפשר לבדוק זאת גם בקוד:

```python
from pyluach import dates
print(dates.GregorianDate(2024, 10, 3).to_heb().hebrew_date_string())
```
"""


def seed() -> str:
    args = json.dumps({"date": "2024-10-03"})
    outcome = run_tool("gregorian_to_hebrew", args)
    call = {"id": "call_1", "type": "function", "function": {"name": "gregorian_to_hebrew", "arguments": args}}
    conv = history.create_conversation("תאריך עברי של ראש השנה", {"model": "dictalm-3.0-24b-thinking"})
    history.append_rows(conv, [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "", "reasoning": THINKING, "tool_calls": [call], "meta": {"thinking_s": 2}},
        {"role": "tool", "content": outcome.content, "tool_call_id": "call_1", "name": "gregorian_to_hebrew",
         "meta": {"ms": max(outcome.ms, 1), "ok": True}},
        {"role": "assistant", "content": ANSWER, "meta": {"turn_end": True, "model": "dictalm-3.0-24b-thinking",
                                                           "prompt_tokens": 412, "completion_tokens": 148, "tok_s": 38.6}},
    ])
    return conv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8003")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    conv = seed()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 820}, device_scale_factor=1)
        context.add_init_script("localStorage.setItem('dictachat_lang', 'he')")
        page = context.new_page()
        page.goto(f"{args.url}/c/{conv}")
        page.locator(".msg-assistant details.tool").wait_for()
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT))
        browser.close()
    history.delete_conversation(conv)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

"""First-start setup: the `llama-cpp-root` provider at LLAMA_URL with LLAMA_API_KEY, and the frontend key, created once."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from common.settings import Settings
from gateway.keys import hash_key, key_hint
from gateway.models import CustomProvider, Key, ProviderSetting, now_s
from gateway.proxy.plan import DEFAULT_PROVIDER

log = logging.getLogger("gateway.bootstrap")

FRONTEND_KEY_NAME = "Frontend Llama Key"


def ensure_defaults(engine: Engine, settings: Settings) -> None:
    """Create what the stack needs to answer a chat; a second process racing us is harmless."""
    for step in (_provider, _setting, _frontend_key):
        try:
            with Session(engine) as db:
                step(db, settings)
                db.commit()
        except IntegrityError:
            log.info("%s already created by another process", step.__name__)


def _provider(db: Session, settings: Settings) -> None:
    url = settings.gateway.llama_url.rstrip("/")
    existing = db.exec(select(CustomProvider).where(CustomProvider.provider == DEFAULT_PROVIDER)).first()
    if existing is None:
        db.add(CustomProvider(provider=DEFAULT_PROVIDER, urls=[url]))
    elif len(existing.urls) == 1 and existing.urls[0] != url:
        # One deployment means LLAMA_URL owns it; several were listed by an admin and stay as they are.
        log.info("llama-cpp-root now points at %s (was %s)", url, existing.urls[0])
        existing.urls = [url]
        existing.updated_at = now_s()
        db.add(existing)


def _setting(db: Session, settings: Settings) -> None:
    key = settings.gateway.llama_api_key
    existing = db.exec(select(ProviderSetting).where(ProviderSetting.provider == DEFAULT_PROVIDER)).first()
    if existing is not None:
        if key and existing.setting.get("apikey") != key:
            # LLAMA_API_KEY owns llama-server's key, as LLAMA_URL owns its address: a new key is sent from now on.
            log.info("llama-cpp-root now sends the LLAMA_API_KEY from the environment")
            existing.setting = {**existing.setting, "apikey": key}
            existing.updated_at = now_s()
            db.add(existing)
        return
    db.add(ProviderSetting(
        provider=DEFAULT_PROVIDER,
        name="Local llama-server",
        setting={"apikey": key} if key else {},
        cost_map={
            "promptCostPerModel": {"*": settings.gateway.local_prompt_cost_per_1k},
            "completionCostPerModel": {"*": settings.gateway.local_completion_cost_per_1k},
        },
    ))


def _frontend_key(db: Session, settings: Settings) -> None:
    raw = settings.chat.frontend_api_key
    if raw and db.exec(select(Key).where(Key.key_hash == hash_key(raw))).first() is None:
        db.add(Key(name=FRONTEND_KEY_NAME, key_hash=hash_key(raw), key_hint=key_hint(raw), tags=["frontend"]))

"""Chat accounts: argon2 hashing, users, server-side sessions, the first admin, sign-in throttling."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from common.db import make_engine
from dictachat.auth import bootstrap
from dictachat.auth.guard import SESSION_COOKIE, session_token, trusted_identity
from dictachat.chat import history
from dictachat.chat.models import Conversation
from gateway.accounts import passwords, sessions, users
from gateway.accounts.throttle import SignInThrottle
from gateway.models import User


@pytest.fixture
def db(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session


def test_the_database_holds_only_an_argon2_hash(db: Session) -> None:
    users.create_user(db, "dana", "correct horse battery")
    stored = db.exec(text("SELECT * FROM users")).mappings().one()
    assert "correct horse battery" not in " ".join(str(v) for v in stored.values())
    assert stored["password_hash"].startswith("$argon2id$")
    assert passwords.verify(stored["password_hash"], "correct horse battery")
    assert not passwords.verify(stored["password_hash"], "correct horse batterY")


def test_new_hashes_use_owasps_argon2id_parameters() -> None:
    params = extract_parameters(passwords.hash_password("correct horse battery"))
    assert (params.type.name, params.memory_cost, params.time_cost, params.parallelism) == ("ID", 19 * 1024, 2, 1)


def test_a_hash_with_argon2_cffis_old_defaults_still_signs_in_and_is_upgraded(db: Session) -> None:
    user = users.create_user(db, "dana", "correct horse battery")
    old = PasswordHasher().hash("correct horse battery")  # 64 MiB, 3 passes, 4 lanes: what earlier versions stored
    user.password_hash = old
    db.add(user)
    db.commit()
    assert passwords.needs_rehash(old)
    assert users.authenticate(db, "dana", "correct horse battery") is not None
    stored = db.get(User, user.id).password_hash
    assert stored != old and not passwords.needs_rehash(stored)
    assert extract_parameters(stored).memory_cost == passwords.MEMORY_COST_KIB
    assert users.authenticate(db, "dana", "correct horse battery") is not None


def test_sign_in_needs_the_right_password_and_an_enabled_account(db: Session) -> None:
    user = users.create_user(db, "Dana", "correct horse battery")
    assert users.authenticate(db, "dana", "correct horse battery").id == user.id  # names are case-insensitive
    assert users.authenticate(db, "dana", "wrong password!") is None
    assert users.authenticate(db, "nobody", "correct horse battery") is None
    users.set_disabled(db, user.id, True)
    assert users.authenticate(db, "dana", "correct horse battery") is None


@pytest.mark.parametrize(("name", "password", "role", "field"), [
    ("", "long enough pw", "user", "name"),
    ("x" * 65, "long enough pw", "user", "name"),
    ("with space", "long enough pw", "user", "name"),
    ("ok", "short", "user", "password"),
    ("ok", "long enough pw", "root", "role"),
])
def test_bad_account_fields_are_named(db: Session, name: str, password: str, role: str, field: str) -> None:
    with pytest.raises(users.AccountError) as err:
        users.create_user(db, name, password, role=role)
    assert err.value.field == field


def test_a_taken_name_is_refused_whatever_its_case(db: Session) -> None:
    users.create_user(db, "dana", "long enough pw")
    with pytest.raises(users.AccountError, match="taken") as err:
        users.create_user(db, "DANA", "another password")
    assert err.value.field == "name"
    assert len(users.list_users(db)) == 1


def test_sessions_live_server_side_and_end(db: Session) -> None:
    user = users.create_user(db, "dana", "long enough pw")
    token = sessions.start(db, user.id, "10.0.0.1")
    assert sessions.resolve(db, token).id == user.id
    assert token not in str(db.exec(text("SELECT * FROM user_sessions")).all())  # only its SHA-256 is stored
    assert sessions.resolve(db, token + "x") is None
    assert sessions.end(db, token) == user.id
    assert sessions.resolve(db, token) is None
    expired = sessions.start(db, user.id, ttl_s=0)
    assert sessions.resolve(db, expired) is None


def test_sign_out_everywhere_disable_and_reset_end_every_session(db: Session) -> None:
    user = users.create_user(db, "dana", "long enough pw")
    other = users.create_user(db, "eli", "long enough pw")
    others = sessions.start(db, other.id)

    phone, laptop = sessions.start(db, user.id), sessions.start(db, user.id)
    sessions.end_all(db, user.id)
    db.commit()
    assert sessions.resolve(db, phone) is None and sessions.resolve(db, laptop) is None

    phone = sessions.start(db, user.id)
    users.set_disabled(db, user.id, True)
    assert sessions.resolve(db, phone) is None
    users.set_disabled(db, user.id, False)

    phone = sessions.start(db, user.id)
    users.reset_password(db, user.id, "a brand new one")
    assert sessions.resolve(db, phone) is None
    assert users.authenticate(db, "dana", "a brand new one") is not None
    assert sessions.resolve(db, others).id == other.id  # nobody else was signed out


def test_a_session_of_a_user_disabled_behind_its_back_stops(db: Session) -> None:
    """Even if the session row survived (e.g. disabled by a direct database update), it resolves to nobody."""
    user = users.create_user(db, "dana", "long enough pw")
    token = sessions.start(db, user.id)
    db.exec(text("UPDATE users SET disabled = :d WHERE id = :id").bindparams(d=True, id=user.id))
    db.commit()
    db.expire_all()
    assert sessions.resolve(db, token) is None


def test_the_first_admin_is_made_once_printed_once_and_gets_the_ownerless_conversations(
        db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db.add(Conversation(title="from before accounts"))
    db.commit()
    same_db = lambda: Session(db.get_bind(), expire_on_commit=False)  # noqa: E731
    monkeypatch.setattr(bootstrap, "session", same_db)
    monkeypatch.setattr(history, "session", same_db)

    assert bootstrap.main([]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"CHAT_ADMIN {users.FIRST_ADMIN} ")
    admin = users.authenticate(db, users.FIRST_ADMIN, line.split()[2])
    assert admin is not None and admin.role == "admin"
    assert {c["user_id"] for c in db.exec(text("SELECT user_id FROM conversations")).mappings()} == {admin.id}

    assert bootstrap.main([]) == 0
    assert capsys.readouterr().out == ""  # never a second admin, never the password again
    assert len(users.list_users(db)) == 1


def test_search_and_roles(db: Session) -> None:
    dana = users.create_user(db, "dana", "long enough pw", email="dana@example.org")
    users.create_user(db, "eli", "long enough pw")
    assert [u.name for u in users.list_users(db, "EXAMPLE")] == ["dana"]
    assert users.set_role(db, dana.id, "admin").role == "admin"


def test_throttle_locks_an_account_after_repeated_failures() -> None:
    now = [1000.0]
    throttle = SignInThrottle(window_s=60, max_per_account=3, max_per_address=5, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_s("dana", "10.0.0.1") == 0
        throttle.failed("dana", "10.0.0.1")
    assert throttle.wait_s("DANA", "10.0.0.9") == 60  # the account is locked from any address
    assert throttle.wait_s("eli", "10.0.0.1") == 0  # others from that address may still try
    now[0] += 30
    assert throttle.wait_s("dana", "10.0.0.1") == 30
    now[0] += 31
    assert throttle.wait_s("dana", "10.0.0.1") == 0


def test_throttle_locks_an_address_that_tries_many_accounts() -> None:
    throttle = SignInThrottle(window_s=60, max_per_account=3, max_per_address=5, clock=lambda: 0.0)
    for name in ("a", "b", "c", "d", "e"):
        throttle.failed(name, "10.0.0.1")
    assert throttle.wait_s("f", "10.0.0.1") > 0
    assert throttle.wait_s("f", "10.0.0.2") == 0


def test_a_right_password_clears_the_accounts_failures() -> None:
    throttle = SignInThrottle(window_s=60, max_per_account=2, max_per_address=50, clock=lambda: 0.0)
    throttle.failed("dana", "ip")
    throttle.succeeded("dana")
    throttle.failed("dana", "ip")
    assert throttle.wait_s("dana", "ip") == 0


def test_the_session_cookie_is_read_from_the_request_header() -> None:
    assert session_token(f"theme=dark; {SESSION_COOKIE}=abc123; other=1") == "abc123"
    assert session_token("theme=dark") == ""
    assert session_token('broken="') == ""
    assert session_token(f'prefs={{"a": 1, "b": "x y"}}; {SESSION_COOKIE}=abc123') == "abc123"


def test_a_trusted_header_counts_only_when_set_and_from_an_allowed_proxy() -> None:
    headers = {"x-forwarded-email": "dana@example.org", "host": "chat"}
    assert trusted_identity(headers, "10.0.0.5", "X-Forwarded-Email", "10.0.0.5, 127.0.0.1") == "dana@example.org"
    assert trusted_identity(headers, "10.0.0.9", "X-Forwarded-Email", "10.0.0.5") == ""  # not the proxy
    assert trusted_identity(headers, "10.0.0.5", "", "10.0.0.5") == ""  # the setting is off
    assert trusted_identity({"host": "chat"}, "10.0.0.5", "X-Forwarded-Email", "10.0.0.5") == ""


def test_a_trusted_identity_finds_or_creates_the_user_but_never_a_disabled_one(db: Session) -> None:
    first = users.trusted_user(db, "Dana@Example.org")
    assert first is not None and first.role == "user" and first.email == "Dana@Example.org"
    assert users.trusted_user(db, "dana@example.org").id == first.id  # the e-mail, in any case
    users.set_disabled(db, first.id, True)
    assert users.trusted_user(db, "dana@example.org") is None
    assert users.trusted_user(db, "not a valid name!") is None

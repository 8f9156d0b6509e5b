"""`python -m dictachat.auth.bootstrap`: on a database without users, create the first admin
and print its generated password once (start.sh shows it); give ownerless conversations to it."""

from __future__ import annotations

import argparse
import sys

from common.db import session
from dictachat.chat.history import adopt_ownerless
from gateway.accounts.users import FIRST_ADMIN, bootstrap_admin, first_admin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dictachat.auth.bootstrap", description=__doc__)
    parser.parse_args(argv)
    with session() as db:
        password = bootstrap_admin(db)
        admin = first_admin(db)
    if admin is not None:
        adopt_ownerless(admin.id)
    if password is not None:
        # One line start.sh can pick up; the password is stored nowhere, only its argon2 hash.
        print(f"CHAT_ADMIN {FIRST_ADMIN} {password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

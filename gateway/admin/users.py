"""User endpoints (BricksLLM-style /api/users): the people who sign in to the chat and the dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gateway.accounts.signup import SignUpPolicy
from gateway.admin.deps import Ctx, run_db, split_values
from gateway.admin.schemas.users import SignUp, SignUpPolicyOut, UserCreate, UserDeleted, UserOut, UserUpdate
from gateway.context import Context
from gateway.manage import users
from gateway.manage.users import UserChange, UserQuery

router = APIRouter(prefix="/api/users", tags=["users"])


@router.put("")
@router.post("", include_in_schema=False)
async def create_user(body: UserCreate, ctx: Ctx) -> UserOut:
    """Create a user. Without `password` one is generated and returned in this answer only."""
    row, generated = await run_db(ctx, users.create_user, body.name, body.password, body.role, body.email, body.limits())
    return UserOut.from_row(row, generated)


def _policy(ctx: Context) -> SignUpPolicy:
    return SignUpPolicy(ctx.settings.gateway.auth_signup, ctx.settings.gateway.auth_signup_domain)


@router.get("/sign-up")
async def sign_up_policy(ctx: Ctx) -> SignUpPolicyOut:
    """Whether self sign-up is on (AUTH_SIGNUP) and the e-mail domain it is limited to (AUTH_SIGNUP_DOMAIN)."""
    policy = _policy(ctx)
    return SignUpPolicyOut(enabled=policy.enabled, domain=policy.domain)


@router.post("/sign-up")
async def sign_up(body: SignUp, ctx: Ctx) -> UserOut:
    """A person's own account, role `user` (the chat's sign-up form calls this). 403 `signup_disabled` when
    AUTH_SIGNUP is off; 400 (`bad_name`, `bad_password`, `bad_email`, `email_required`, `wrong_domain`) or
    409 (`name_taken`, `email_taken`) with a sentence naming the field."""
    row = await run_db(ctx, users.sign_up, _policy(ctx), body.name, body.email, body.password)
    return UserOut.from_row(row)


@router.get("")
async def list_users(
    ctx: Ctx,
    response: Response,
    name: Annotated[str, Query(description="Case-insensitive substring of the name or e-mail")] = "",
    role: str = "",
    disabled: bool | None = None,
    user_ids: Annotated[list[str] | None, Query(alias="userIds", description="Repeated or comma-separated")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> list[UserOut]:
    """Users by name, each with their requests, tokens and spend through the gateway.
    `X-Total-Count` carries the number of all matches."""
    query = UserQuery(user_ids=split_values(user_ids or []), name=name, role=role, disabled=disabled,
                      offset=offset, limit=limit)
    rows, total = await run_db(ctx, users.list_users, query)
    response.headers["X-Total-Count"] = str(total)
    return [UserOut.from_row(row, usage=usage) for row, usage in rows]


@router.patch("/{user_id}")
async def update_user(user_id: str, body: UserUpdate, ctx: Ctx) -> UserOut:
    """Change the fields sent. Disabling, a new password or `resetPassword` end the user's sessions at once."""
    change = UserChange(email=body.email, role=body.role, disabled=body.disabled, password=body.password,
                        reset_password=body.reset_password, limits=body.limits())
    row, generated = await run_db(ctx, users.update_user, user_id, change)
    return UserOut.from_row(row, generated)


@router.delete("/{user_id}")
async def delete_user(user_id: str, ctx: Ctx) -> UserDeleted:
    """Delete a user with their sessions and conversations (kept nowhere: README, "Accounts")."""
    await run_db(ctx, users.delete_user, user_id)
    return UserDeleted(id=user_id)

"""Accounts (admins only): list, add, disable, enable, reset a password, change a role; each audited."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from intake.store import accounts
from intake.store.models import Role
from intake.store.users import UserError, list_users
from intake.web.context import CAN_MANAGE_USERS, POST_MANAGE_USERS, SessionDep, web_of
from intake.web.security import WebUser

router = APIRouter()


@router.get("/accounts")
def accounts_page(request: Request, session: SessionDep, user: WebUser = CAN_MANAGE_USERS) -> Response:
    """Every account with its role, state and last sign-in, and the forms to change them."""
    return web_of(request).render(user, "accounts.html", accounts=list_users(session), roles=list(Role),
                                  notice=request.query_params.get("done", ""),
                                  error=request.query_params.get("error", ""))


def _apply(session: Session, change: Callable[[Session], object], done: str) -> RedirectResponse:
    """Run one audited change; back to the list with what happened, or why it was refused."""
    try:
        change(session)
    except (UserError, ValueError) as exc:
        return RedirectResponse(f"/accounts?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/accounts?done={quote(done)}", status_code=303)


@router.post("/accounts")
def add_account(session: SessionDep, username: str = Form(""), role: str = Form(""), password: str = Form(""),
                user: WebUser = POST_MANAGE_USERS) -> Response:
    """Create a local account."""
    name = username.strip()
    return _apply(session, lambda s: accounts.add(s, actor=user.username, username=name, password=password,
                                                  role=Role(role)), f"user {name} added as {role}")


@router.post("/accounts/{username}/disable")
def disable_account(username: str, session: SessionDep, user: WebUser = POST_MANAGE_USERS) -> Response:
    """Disable an account; its sessions end at once."""
    return _apply(session, lambda s: accounts.disable(s, actor=user.username, username=username),
                  f"user {username} disabled")


@router.post("/accounts/{username}/enable")
def enable_account(username: str, session: SessionDep, user: WebUser = POST_MANAGE_USERS) -> Response:
    """Enable a disabled (or locked) account again."""
    return _apply(session, lambda s: accounts.enable(s, actor=user.username, username=username),
                  f"user {username} enabled")


@router.post("/accounts/{username}/reset")
def reset_account(username: str, session: SessionDep, password: str = Form(""),
                  user: WebUser = POST_MANAGE_USERS) -> Response:
    """Set a new password (the user's sessions end; the account is unlocked)."""
    return _apply(session, lambda s: accounts.reset(s, actor=user.username, username=username, password=password),
                  f"user {username}: password reset")


@router.post("/accounts/{username}/role")
def change_role(username: str, session: SessionDep, role: str = Form(""),
                user: WebUser = POST_MANAGE_USERS) -> Response:
    """Give an account another role."""
    return _apply(session, lambda s: accounts.change_role(s, actor=user.username, username=username,
                                                          role=Role(role)), f"user {username} is now {role}")

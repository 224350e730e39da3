"""Accounts (admins only): list, add, disable, enable, reset a password, change a role; each audited."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from intake.store import accounts
from intake.store.models import Role
from intake.store.users import UserError, list_users
from intake.web.context import CAN_MANAGE_USERS, POST_MANAGE_USERS, SessionDep, web_of
from intake.web.notices import Notice, notice_of, redirect
from intake.web.security import WebUser

router = APIRouter()


@router.get("/accounts")
def accounts_page(request: Request, session: SessionDep, user: WebUser = CAN_MANAGE_USERS) -> Response:
    """Every account with its role, state and last sign-in, and the forms to change them."""
    return _page(request, session, user)


def _page(request: Request, session: Session, user: WebUser, error: str = "") -> Response:
    # The notice names only an account the page lists; the error is passed in, never read from the URL.
    listed = list_users(session)
    return web_of(request).render(user, "accounts.html", status_code=400 if error else 200, accounts=listed,
                                  roles=list(Role), error=error,
                                  notice=notice_of(request, users={a.username for a in listed}))


def _apply(request: Request, session: Session, admin: WebUser, change: Callable[[Session], object], done: Notice,
           **parameters: str) -> Response:
    """Run one audited change; back to the list with what happened, or the list again saying why it was refused."""
    try:
        change(session)
    except (UserError, ValueError) as exc:
        session.rollback()
        return _page(request, session, admin, error=str(exc))
    return redirect("/accounts", done, **parameters)


@router.post("/accounts")
def add_account(request: Request, session: SessionDep, username: str = Form(""), role: str = Form(""),
                password: str = Form(""), user: WebUser = POST_MANAGE_USERS) -> Response:
    """Create a local account."""
    name = username.strip()
    return _apply(request, session, user, lambda s: accounts.add(s, actor=user.username, username=name,
                                                                 password=password, role=Role(role)),
                  Notice.USER_ADDED, user=name, role=role)


@router.post("/accounts/{username}/disable")
def disable_account(username: str, request: Request, session: SessionDep,
                    user: WebUser = POST_MANAGE_USERS) -> Response:
    """Disable an account; its sessions end at once."""
    return _apply(request, session, user, lambda s: accounts.disable(s, actor=user.username, username=username),
                  Notice.USER_DISABLED, user=username)


@router.post("/accounts/{username}/enable")
def enable_account(username: str, request: Request, session: SessionDep, user: WebUser = POST_MANAGE_USERS) -> Response:
    """Enable a disabled (or locked) account again."""
    return _apply(request, session, user, lambda s: accounts.enable(s, actor=user.username, username=username),
                  Notice.USER_ENABLED, user=username)


@router.post("/accounts/{username}/reset")
def reset_account(username: str, request: Request, session: SessionDep, password: str = Form(""),
                  user: WebUser = POST_MANAGE_USERS) -> Response:
    """Set a new password (the user's sessions end; the account is unlocked)."""
    return _apply(request, session, user,
                  lambda s: accounts.reset(s, actor=user.username, username=username, password=password),
                  Notice.PASSWORD_RESET, user=username)


@router.post("/accounts/{username}/role")
def change_role(username: str, request: Request, session: SessionDep, role: str = Form(""),
                user: WebUser = POST_MANAGE_USERS) -> Response:
    """Give an account another role."""
    return _apply(request, session, user, lambda s: accounts.change_role(s, actor=user.username, username=username,
                                                                         role=Role(role)),
                  Notice.ROLE_CHANGED, user=username, role=role)

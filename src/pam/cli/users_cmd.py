"""`pam users add|list|set-role|remove-role|disable|enable|set-password|sign-out`: user administration from the shell.

Every change of access (disable, enable, a new password, a role) ends the user's tokens, as does
`sign-out`; their API keys stay valid until revoked.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pam.access import Role
from pam.cli.output import fail, print_json, stderr, stdout
from pam.cli.store_runtime import run_with_store
from pam.errors import InvalidInput
from pam.services.auth.admin import UserChange
from pam.services.auth.memberships import parse_role
from pam.services.auth.users import UserInfo
from pam.services.store_runtime import StoreServices

app = typer.Typer(help="Users, their roles per project, and their passwords.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


def _read_password(from_stdin: bool, *, required: bool) -> str | None:
    """The password from stdin, or a hidden prompt on a terminal; never from an argument (shell history)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("--password-stdin was given but stdin held no password")
        return password
    if sys.stdin.isatty():
        entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return entered
    if required:
        fail("give the password on stdin with --password-stdin")
    return None


def _info_dict(u: UserInfo) -> dict[str, object]:
    return {
        "id": str(u.id),
        "email": u.email,
        "name": u.name,
        "active": u.active,
        "is_admin": u.is_admin,
        "has_password": u.has_password,
        "sign_in": u.sign_in,
        "created_at": u.created_at.isoformat(),
        "projects": [{"id": str(p.id), "name": p.name, "role": p.role} for p in u.projects],
    }


def _sign_in_text(u: UserInfo) -> str:
    # A user with neither is invited: they sign in with a provider under that email, or get a password.
    return ", ".join(u.sign_in) or "invited"


def _roles_text(u: UserInfo) -> str:
    return ", ".join(f"{p.name}:{p.role}" for p in u.projects)


def _role(value: str) -> Role:
    try:
        return parse_role(value)
    except InvalidInput as exc:
        fail(exc.message)


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The user's email; it is their login.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    password_stdin: PasswordStdinOpt = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="Administrator of every project and of users.")
    ] = False,
    project: Annotated[str | None, typer.Option("--project", help="Give a role in this project.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="viewer, editor or admin (default viewer).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a user, optionally with a role in one project."""
    if role is not None and project is None:
        raise typer.BadParameter("--role needs --project")
    chosen = _role(role or "viewer") if project is not None else None
    password = _read_password(password_stdin, required=False)

    async def body(admin_: StoreServices) -> UserInfo:
        roles = {project: chosen} if project is not None and chosen is not None else None
        return await admin_.users.create(
            email=email, name=name, password=password, is_admin=admin, roles=roles
        )

    info = run_with_store(body)
    if json_out:
        print_json(_info_dict(info))
        return
    extra = " (admin)" if info.is_admin else ""
    roles = f" ({escape(_roles_text(info))})" if info.projects else ""
    stdout().print(f"created user {escape(info.email)}{extra}{roles}", highlight=False)
    if not info.has_password:
        stderr().print(
            "note: no password set; the user signs in through an OpenID provider with this email "
            "(an invitation), or after `pam users set-password`"
        )


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """List users with their roles."""

    async def body(admin: StoreServices) -> list[UserInfo]:
        found: list[UserInfo] = []
        cursor: str | None = None
        while True:
            page = await admin.users.page(limit=500, cursor=cursor)
            found.extend(page.items)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    infos = run_with_store(body)
    if json_out:
        print_json([_info_dict(u) for u in infos])
        return
    table = Table(
        "email", "name", "active", "admin", "signs in with", "projects", title=f"{len(infos)} users"
    )
    for u in infos:
        table.add_row(
            u.email,
            u.name,
            "yes" if u.active else "no",
            "yes" if u.is_admin else "",
            _sign_in_text(u),
            _roles_text(u),
        )
    stdout().print(table)


@app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    project: Annotated[str, typer.Option("--project", help="Project name.")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin.")],
) -> None:
    """Give a user a role in a project (replacing the role they had there)."""
    chosen = _role(role)

    async def body(admin: StoreServices) -> None:
        await admin.users.set_role_by_email(email, project, chosen)

    run_with_store(body)
    stdout().print(f"{escape(email)} is now {escape(role)} in {escape(project)}", highlight=False)


@app.command("remove-role")
def remove_role(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    project: Annotated[str, typer.Option("--project", help="Project name.")],
) -> None:
    """Take a user out of a project."""

    async def body(admin: StoreServices) -> None:
        await admin.users.remove_role_by_email(email, project)

    run_with_store(body)
    stdout().print(f"{escape(email)} has no role in {escape(project)} any more", highlight=False)


def _set_active(email: str, active: bool) -> None:
    async def body(admin: StoreServices) -> None:
        await admin.users.update_by_email(email, UserChange(active=active))

    run_with_store(body)


@app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """Disable a user: their tokens and API keys stop working at once (tokens for good)."""
    _set_active(email, False)
    stdout().print(f"disabled {escape(email)}", highlight=False)


@app.command("enable")
def enable(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """Enable a disabled user again. Their API keys work again; tokens from before do not."""
    _set_active(email, True)
    stdout().print(f"enabled {escape(email)}", highlight=False)


@app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Set a user's password; their existing tokens stop working."""
    password = _read_password(password_stdin, required=True)
    assert password is not None

    async def body(admin: StoreServices) -> None:
        await admin.users.update_by_email(email, UserChange(password=password))

    run_with_store(body)
    stdout().print(f"password set for {escape(email)}", highlight=False)


@app.command("sign-out")
def sign_out(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """End every token the user holds, on every device; their API keys stay valid."""

    async def body(admin: StoreServices) -> None:
        await admin.users.sign_out_by_email(email)

    run_with_store(body)
    stdout().print(f"signed {escape(email)} out everywhere", highlight=False)

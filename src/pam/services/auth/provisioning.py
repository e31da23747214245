"""Who a verified OpenID sign-in is, here: a linked user, an invited one, or a new one (just in time).

In order:
1. the (issuer, subject) pair was seen before: that user, whatever their email says today;
2. a user with the same email exists (an admin created them without a password: an invitation,
   or a password user moving to single sign-on): the identity is linked to them;
3. the email's domain is in the provider's `allowed_domains`: a user is created, with no password,
   and the provider's `default_roles`;
4. anyone else is refused, and nothing is written.
Steps 2 and 3 need an email the provider says it verified (unless configured otherwise): an
unverified address is a claim anyone can make. Then the provider's group mapping, if any, sets the
roles in the projects it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Role
from pam.errors import Forbidden, InvalidInput
from pam.services.auth import memberships, project_admin, users
from pam.services.auth.memberships import parse_role
from pam.services.auth.oidc_client import VerifiedIdentity
from pam.services.auth.passwords import Passwords
from pam.settings import OidcProviderSettings
from pam.store.models import Identity, User
from pam.store.types import utcnow

log = structlog.get_logger("pam.auth.oidc")
_RANK: dict[str, int] = {"viewer": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class Provisioned:
    user: User
    created: bool


async def provision(
    session: AsyncSession, passwords: Passwords, config: OidcProviderSettings, who: VerifiedIdentity
) -> Provisioned:
    """The user this sign-in is, created or linked as the rules above say; Forbidden when refused."""
    created = False
    identity = await session.scalar(
        select(Identity).where(Identity.issuer == who.issuer, Identity.subject == who.subject)
    )
    if identity is not None:
        user = await users.get_user(session, identity.user_id)
    else:
        email = _usable_email(config, who)
        found = await users.user_by_email(session, email)
        if found is None:
            if _domain(email) not in config.allowed_domains:
                raise Forbidden(
                    f"{email} may not sign in here: its domain is not allowed and no account was "
                    "prepared for it. Ask an administrator for an invitation.",
                    code="sign_in_not_allowed",
                )
            user = await users.create_user(session, passwords, email=email, name=who.name)
            await _grant(session, user, config.default_roles)
            created = True
        else:
            user = found
        identity = Identity(
            user_id=user.id, provider=config.name, issuer=who.issuer, subject=who.subject, email=email
        )
        session.add(identity)
    if not user.active:
        raise Forbidden("this account is disabled", code="account_disabled")
    identity.email = who.email or identity.email
    identity.provider = config.name
    identity.last_login_at = utcnow()
    if config.group_roles:
        await _map_groups(session, user, config, who.groups)
    await session.flush()
    log.info("oidc_sign_in", provider=config.name, user_id=str(user.id), created=created)
    return Provisioned(user, created)


def _usable_email(config: OidcProviderSettings, who: VerifiedIdentity) -> str:
    if who.email is None:
        raise Forbidden(
            f"{config.display_name} did not share an email address; allow the 'email' scope",
            code="sign_in_not_allowed",
        )
    if config.require_verified_email and not who.email_verified:
        raise Forbidden(
            f"{config.display_name} has not verified {who.email}; verify it there first",
            code="sign_in_not_allowed",
        )
    try:
        return users.normalize_email(who.email)
    except InvalidInput as exc:
        raise Forbidden(f"{config.display_name} sent an email address this server cannot use") from exc


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


async def _grant(session: AsyncSession, user: User, roles: Mapping[str, str]) -> None:
    for project_name, role in roles.items():
        project = await project_admin.project_by_name(session, project_name)
        if project is None:
            # A typo in the configuration must not lock people out; it shows in the logs.
            log.warning("oidc_project_missing", project=project_name)
            continue
        await memberships.set_role(session, user.id, project.id, parse_role(role))


async def _map_groups(
    session: AsyncSession, user: User, config: OidcProviderSettings, groups: tuple[str, ...]
) -> None:
    """Projects named in `group_roles` are the provider's to manage: each gets the highest role any of
    the user's groups grants (or the provider's default role there), and loses it when none does."""
    wanted: dict[str, Role | None] = {
        project: None for grants in config.group_roles.values() for project in grants
    }
    for named, default in config.default_roles.items():
        if named in wanted:
            wanted[named] = parse_role(default)
    for group in groups:
        for project_name, granted in config.group_roles.get(group, {}).items():
            current = wanted[project_name]
            if current is None or _RANK[granted] > _RANK[current]:
                wanted[project_name] = parse_role(granted)
    held = {grant.name: grant.role for grant in await memberships.project_roles(session, user.id)}
    for project_name, role in wanted.items():
        if held.get(project_name) == role:
            continue
        project = await project_admin.project_by_name(session, project_name)
        if project is None:
            log.warning("oidc_project_missing", project=project_name)
        elif role is None:
            await memberships.remove_role(session, user.id, project.id)
        else:
            await memberships.set_role(session, user.id, project.id, role)

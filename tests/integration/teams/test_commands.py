"""The teams' management commands: create_team, add_member, add_account, rotate_encryption_keys."""

import io
import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from pytest_django.fixtures import Settings

from activity.models import Entry
from postpress_dashboard.teams import services
from postpress_dashboard.teams.management.commands import create_team, rotate_encryption_keys
from postpress_dashboard.teams.models import ApiKeyState, LinkedAccount, Membership, Role, Team

API_KEY = "pp_live_4f9c2e7a1b6d"
BASE_URL = "https://api.postpress.ai/api/v1"
PASSWORD = "tangerine-lighthouse-42"


def run(*args: str) -> tuple[str, str]:
    """Run a command; return what it wrote to stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_from_argv(command: BaseCommand, argv: list[str]) -> None:
    """As `manage.py` runs a command: errors go to stderr and exit non-zero."""
    command.run_from_argv([*argv, "--skip-checks"])


def db_state() -> list[list[dict[str, Any]]]:
    """Every row the commands could touch, to show a refused command changed nothing."""
    models = (Team, Membership, User, LinkedAccount, Entry)
    return [list(model.objects.order_by("pk").values()) for model in models]


def new_activity(since: int) -> list[Entry]:
    return list(Entry.objects.filter(pk__gt=since).order_by("pk"))


def last_activity_pk() -> int:
    return Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def api_key_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("POSTPRESS_API_KEY", API_KEY)
    return "POSTPRESS_API_KEY"


@pytest.fixture
def team(alice: User) -> Team:
    """Acme sales (slug acme-sales), with alice as its admin and one LinkedIn account."""
    team = services.team_create(name="Acme sales", base_url=BASE_URL, api_key=API_KEY)
    services.member_add(team=team, user=alice, role=Role.ADMIN, actor=None)
    fields = services.AccountFields(
        provider="LINKEDIN", account_id="acc_existing", label="Alice", linkedin_apis=["classic"]
    )
    services.account_add(team=team, fields=fields, actor=None)
    return team


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user("bob", password="bob-password-1")


# --- create_team ---------------------------------------------------------------------------


def test_it_prints_only_the_new_teams_slug(api_key_env: str, db: None) -> None:
    stdout, _ = run(
        "create_team", "Acme sales", "--base-url", BASE_URL, "--api-key-env", api_key_env
    )
    assert stdout == "acme-sales\n"
    assert Team.objects.get(slug="acme-sales").name == "Acme sales"


def test_it_stores_the_api_key_encrypted(api_key_env: str, db: None) -> None:
    run("create_team", "Acme sales", "--base-url", BASE_URL, "--api-key-env", api_key_env)
    team = Team.objects.get(slug="acme-sales")
    assert team.api_key_ciphertext
    assert API_KEY not in team.api_key_ciphertext
    assert team.decrypted_api_key() == API_KEY
    assert team.api_key_last4 == API_KEY[-4:]
    assert team.base_url == BASE_URL


def test_it_gives_a_second_team_with_the_same_name_a_distinct_slug(
    api_key_env: str, db: None
) -> None:
    args = ("create_team", "Acme sales", "--base-url", BASE_URL, "--api-key-env", api_key_env)
    first, _ = run(*args)
    second, _ = run(*args)
    assert first.strip() == "acme-sales"
    assert second.strip() == "acme-sales-2"
    assert Team.objects.filter(name="Acme sales").count() == 2


@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_it_refuses_a_missing_or_empty_api_key_variable_and_creates_no_team(
    monkeypatch: pytest.MonkeyPatch, db: None, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("POSTPRESS_API_KEY", raising=False)
    else:
        monkeypatch.setenv("POSTPRESS_API_KEY", value)
    with pytest.raises(CommandError, match="POSTPRESS_API_KEY is not set or is empty"):
        run("create_team", "Acme", "--base-url", BASE_URL, "--api-key-env", "POSTPRESS_API_KEY")
    assert not Team.objects.exists()
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    "base_url", ["ftp://files.example.com/v1", "api.postpress.ai/api/v1", "javascript:alert(1)"]
)
def test_it_refuses_a_base_url_that_is_not_http_or_https(
    api_key_env: str, db: None, base_url: str
) -> None:
    with pytest.raises(CommandError, match="--base-url: Enter a valid URL"):
        run("create_team", "Acme", "--base-url", base_url, "--api-key-env", api_key_env)
    assert not Team.objects.exists()


def test_it_refuses_a_key_that_does_not_look_like_one_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    monkeypatch.setenv("POSTPRESS_API_KEY", "pp live with spaces")
    with pytest.raises(CommandError, match="does not look like a postpress API key") as error:
        run("create_team", "Acme", "--base-url", BASE_URL, "--api-key-env", "POSTPRESS_API_KEY")
    assert "pp live with spaces" not in str(error.value)
    assert not Team.objects.exists()


def test_it_does_not_echo_a_key_passed_in_place_of_a_variable_name(db: None) -> None:
    with pytest.raises(CommandError, match="takes the name of an environment variable") as error:
        run("create_team", "Acme", "--base-url", BASE_URL, "--api-key-env", API_KEY)
    assert API_KEY not in str(error.value)
    assert not Team.objects.exists()


def test_it_never_shows_or_logs_the_api_key(
    api_key_env: str, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stdout, stderr = run(
        "create_team", "Acme", "--base-url", BASE_URL, "--api-key-env", api_key_env
    )
    with pytest.raises(CommandError) as error:
        run("create_team", "Acme", "--base-url", "ftp://x", "--api-key-env", api_key_env)
    shown = [stdout, stderr, str(error.value), caplog.text]
    shown += list(Entry.objects.values_list("detail", flat=True))
    assert stdout.strip() == "acme"
    assert not [text for text in shown if API_KEY in text]


def test_it_exits_non_zero_with_the_reason_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: None
) -> None:
    monkeypatch.delenv("POSTPRESS_API_KEY", raising=False)
    # run_from_argv closes every connection when it ends; on PostgreSQL that would close the
    # one holding this test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    argv = ["manage.py", "create_team", "Acme", "--base-url", BASE_URL]
    with pytest.raises(SystemExit) as exit:
        run_from_argv(create_team.Command(), [*argv, "--api-key-env", "POSTPRESS_API_KEY"])
    assert exit.value.code == 1
    output = capsys.readouterr()
    assert "POSTPRESS_API_KEY is not set" in output.err
    assert output.out == ""
    assert not Team.objects.exists()


def test_it_logs_a_new_team_with_no_actor(api_key_env: str, db: None) -> None:
    run("create_team", "Acme", "--base-url", BASE_URL, "--api-key-env", api_key_env)
    [entry] = new_activity(since=0)
    assert (entry.team.slug, entry.action, entry.actor) == ("acme", "team.created", None)


# --- add_member ----------------------------------------------------------------------------


def test_it_adds_an_existing_user_with_the_given_role(team: Team, bob: User) -> None:
    run("add_member", "acme-sales", "bob", "--role", "admin")
    membership = Membership.objects.get(team=team, user=bob)
    assert membership.role == Role.ADMIN


def test_it_creates_a_user_whose_password_signs_in(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEW_PASSWORD", PASSWORD)
    stdout, stderr = run(
        "add_member", "acme-sales", "dora", "--role", "member", "--create",
        "--password-env", "NEW_PASSWORD",
    )  # fmt: skip
    dora = authenticate(username="dora", password=PASSWORD)
    assert dora is not None
    assert Membership.objects.get(team=team, user=dora).role == Role.MEMBER
    assert PASSWORD not in stdout + stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-team", "bob"], "No team has the slug 'no-such-team'"),
        (["acme-sales", "nobody"], "No user has the username 'nobody': pass --create"),
        (["acme-sales", "bob", "--create", "--password-env", "NEW_PASSWORD"], "already exists"),
        (["acme-sales", "dora", "--create", "--password-env", "UNSET_PASSWORD"], "is not set"),
        (["acme-sales", "dora", "--create"], "--create needs --password-env"),
        (["acme-sales", "dora", "--create", "--password-env", "WEAK_PASSWORD"], "too common"),
        (
            ["acme-sales", "dora smith", "--create", "--password-env", "NEW_PASSWORD"],
            "USERNAME: Enter a valid username",
        ),
        (["acme-sales", "bob", "--password-env", "NEW_PASSWORD"], "only applies with --create"),
        (["acme-sales", "alice"], "alice is already a member of Acme sales"),
    ],
    ids=[
        "unknown team",
        "unknown user without --create",
        "existing user with --create",
        "unset password variable",
        "no password variable",
        "weak password",
        "invalid username",
        "password without --create",
        "already a member",
    ],
)
def test_it_refuses_a_member_it_cannot_add_and_changes_nothing(
    team: Team, bob: User, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("NEW_PASSWORD", PASSWORD)
    monkeypatch.setenv("WEAK_PASSWORD", "password")
    monkeypatch.delenv("UNSET_PASSWORD", raising=False)
    before = db_state()
    with pytest.raises(CommandError, match=message):
        run("add_member", *args, "--role", "member")
    assert db_state() == before


def test_it_refuses_an_unknown_role(team: Team, bob: User) -> None:
    before = db_state()
    with pytest.raises(CommandError, match="invalid choice: 'owner'"):
        run("add_member", "acme-sales", "bob", "--role", "owner")
    assert db_state() == before


def test_it_logs_an_added_member_with_no_actor(team: Team, bob: User) -> None:
    since = last_activity_pk()
    run("add_member", "acme-sales", "bob", "--role", "member")
    [entry] = new_activity(since)
    assert (entry.team, entry.action, entry.actor) == (team, "member.added", None)
    assert "bob" in entry.detail


# --- add_account ---------------------------------------------------------------------------


def test_it_links_a_linkedin_account_with_its_apis_and_the_default_caps(team: Team) -> None:
    stdout, _ = run(
        "add_account", "acme-sales", "--provider", "LINKEDIN", "--account-id", "acc_new",
        "--label", "Sales lead", "--linkedin-apis", "classic,sales_navigator",
    )  # fmt: skip
    account = LinkedAccount.objects.get(team=team, account_id="acc_new")
    assert stdout == f"{account.pk}\n"
    assert (account.provider, account.label) == ("LINKEDIN", "Sales lead")
    assert account.linkedin_apis == ["classic", "sales_navigator"]
    assert (account.daily_cap, account.weekly_cap) == (80, 200)


def test_it_gives_a_linkedin_account_the_classic_api_when_none_is_named(team: Team) -> None:
    run(
        "add_account", "acme-sales", "--provider", "LINKEDIN", "--account-id", "acc_new",
        "--label", "Sales lead",
    )  # fmt: skip
    assert LinkedAccount.objects.get(account_id="acc_new").linkedin_apis == ["classic"]


def test_it_keeps_the_caps_it_is_given(team: Team) -> None:
    run(
        "add_account", "acme-sales", "--provider", "whatsapp", "--account-id", "acc_new",
        "--label", "Support", "--daily-cap", "20", "--weekly-cap", "90",
    )  # fmt: skip
    account = LinkedAccount.objects.get(account_id="acc_new")
    assert (account.provider, account.linkedin_apis) == ("WHATSAPP", [])
    assert (account.daily_cap, account.weekly_cap) == (20, 90)


@pytest.mark.parametrize(
    ("team_slug", "options", "message"),
    [
        ("acme-sales", ["--account-id", "acc_existing"], "acc_existing is already linked"),
        ("no-such-team", [], "No team has the slug 'no-such-team'"),
        (
            "acme-sales",
            ["--provider", "INSTAGRAM", "--linkedin-apis", "classic"],
            "--linkedin-apis applies to LinkedIn accounts only, not INSTAGRAM",
        ),
        ("acme-sales", ["--provider", "MYSPACE"], "invalid choice: 'MYSPACE'"),
        ("acme-sales", ["--linkedin-apis", "classic,premium"], "unknown LinkedIn API premium"),
        ("acme-sales", ["--daily-cap", "300"], "--daily-cap: The daily cap cannot exceed"),
        ("acme-sales", ["--weekly-cap", "5000"], "--weekly-cap: Ensure this value"),
    ],
    ids=[
        "duplicate account id",
        "unknown team",
        "apis on a non-LinkedIn provider",
        "unknown provider",
        "unknown api",
        "daily cap above the weekly cap",
        "cap out of range",
    ],
)
def test_it_refuses_an_account_it_cannot_link_and_changes_nothing(
    team: Team, team_slug: str, options: list[str], message: str
) -> None:
    defaults = {"--provider": "LINKEDIN", "--account-id": "acc_new", "--label": "New"}
    given = dict(zip(options[::2], options[1::2], strict=True))
    args = [item for pair in (defaults | given).items() for item in pair]
    before = db_state()
    with pytest.raises(CommandError, match=message):
        run("add_account", team_slug, *args)
    assert db_state() == before


def test_it_logs_a_linked_account_with_no_actor(team: Team) -> None:
    since = last_activity_pk()
    run(
        "add_account", "acme-sales", "--provider", "TELEGRAM", "--account-id", "acc_new",
        "--label", "Community",
    )  # fmt: skip
    [entry] = new_activity(since)
    assert (entry.team, entry.action, entry.actor) == (team, "account.added", None)
    assert "acc_new" in entry.detail


# --- rotate_encryption_keys ----------------------------------------------------------------

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_it_re_encrypts_api_keys_so_the_old_key_can_be_dropped(
    settings: Settings, db: None
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    team = services.team_create(name="Acme", base_url=BASE_URL, api_key=API_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert team.api_key_state == ApiKeyState.UNREADABLE  # not yet rotated: the test can fail

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    stdout, stderr = run("rotate_encryption_keys")
    assert stdout == "Re-encrypted 1 team API key(s) under the newest key.\n"
    assert API_KEY not in stdout + stderr

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    team.refresh_from_db()
    assert team.decrypted_api_key() == API_KEY


def test_it_names_the_teams_whose_key_no_configured_key_can_read(
    settings: Settings, db: None
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    lost = services.team_create(name="Lost keys", base_url=BASE_URL, api_key=API_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    kept = services.team_create(name="Kept keys", base_url=BASE_URL, api_key=API_KEY)
    lost_ciphertext = lost.api_key_ciphertext

    stdout = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("rotate_encryption_keys", stdout=stdout)
    assert "lost-keys" in str(error.value)
    assert "kept-keys" not in str(error.value)
    assert "admins must re-enter the API key" in str(error.value)
    assert stdout.getvalue() == "Re-encrypted 1 team API key(s) under the newest key.\n"
    lost.refresh_from_db()
    kept.refresh_from_db()
    assert lost.api_key_ciphertext == lost_ciphertext
    assert kept.decrypted_api_key() == API_KEY


def test_it_exits_non_zero_when_a_key_cannot_be_read(
    settings: Settings, capsys: pytest.CaptureFixture[str], db: None
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    services.team_create(name="Lost keys", base_url=BASE_URL, api_key=API_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(SystemExit) as exit:
        run_from_argv(rotate_encryption_keys.Command(), ["manage.py", "rotate_encryption_keys"])
    assert exit.value.code == 1
    output = capsys.readouterr()
    assert "lost-keys" in output.err
    assert "Re-encrypted 0" in output.out
    assert API_KEY not in output.out + output.err


def test_it_logs_the_re_encryption_with_no_actor(team: Team) -> None:
    since = last_activity_pk()
    run("rotate_encryption_keys")
    [entry] = new_activity(since)
    assert (entry.team, entry.actor) == (team, None)

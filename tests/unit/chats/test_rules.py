"""chats/rules.py: which recipient ids and which composer fields fit each provider and API."""

import pytest

from chats import rules
from chats.rules import (
    RECIPIENT_HELP,
    ChatFields,
    fields_for_account,
    is_company,
    linkedin_apis_of,
    recipient_list,
    recipient_problem,
)
from postpress_dashboard.teams.models import LinkedAccount, LinkedInApi, ProviderChoice

LINKEDIN = ProviderChoice.LINKEDIN.value
INSTAGRAM = ProviderChoice.INSTAGRAM.value
WHATSAPP = ProviderChoice.WHATSAPP.value
TELEGRAM = ProviderChoice.TELEGRAM.value
CLASSIC = LinkedInApi.CLASSIC.value
SALES_NAVIGATOR = LinkedInApi.SALES_NAVIGATOR.value
RECRUITER = LinkedInApi.RECRUITER.value

CLASSIC_FIELDS = ChatFields(LINKEDIN, CLASSIC)
SALES_NAVIGATOR_FIELDS = ChatFields(LINKEDIN, SALES_NAVIGATOR)
RECRUITER_FIELDS = ChatFields(LINKEDIN, RECRUITER)
WHATSAPP_FIELDS = ChatFields(WHATSAPP, None)

# --- recipient ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "recipient",
    [
        pytest.param("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", id="member"),
        pytest.param("5108726", id="company-messaging-id"),
        pytest.param("urn-li-company-42", id="company-id-with-letters"),
    ],
)
def test_it_accepts_a_member_id_or_a_company_id_on_classic(recipient: str) -> None:
    assert recipient_problem(recipient, CLASSIC_FIELDS) == ""


@pytest.mark.parametrize(
    "recipient",
    [
        pytest.param("ACwAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", id="sales-navigator-id"),
        pytest.param("AEMAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", id="recruiter-id"),
    ],
)
def test_it_refuses_another_apis_member_id_on_classic(recipient: str) -> None:
    problem = recipient_problem(recipient, CLASSIC_FIELDS)

    assert recipient in problem
    assert "not a Classic one" in problem


def test_it_accepts_only_acw_ids_on_sales_navigator() -> None:
    assert recipient_problem("ACwAAAcDMMQB", SALES_NAVIGATOR_FIELDS) == ""
    for wrong in ("ACoAAAcDMMQB", "AEMAAAcDMMQB", "5108726"):
        problem = recipient_problem(wrong, SALES_NAVIGATOR_FIELDS)
        assert problem == (
            f"“{wrong}” is not a Sales Navigator id: Sales Navigator ids start with ACw."
        )


def test_it_accepts_only_ae_ids_on_recruiter() -> None:
    assert recipient_problem("AEMAAAcDMMQB", RECRUITER_FIELDS) == ""
    for wrong in ("ACoAAAcDMMQB", "ACwAAAcDMMQB", "5108726"):
        problem = recipient_problem(wrong, RECRUITER_FIELDS)
        assert problem == f"“{wrong}” is not a Recruiter id: Recruiter ids start with AE."


@pytest.mark.parametrize(
    "recipient",
    ["33612345678@s.whatsapp.net", "12345@s.whatsapp.net", "1" * 20 + "@s.whatsapp.net"],
)
def test_it_accepts_a_phone_number_id_on_whatsapp(recipient: str) -> None:
    assert recipient_problem(recipient, WHATSAPP_FIELDS) == ""


@pytest.mark.parametrize(
    "recipient",
    [
        pytest.param("33612345678", id="bare-number"),
        pytest.param("+33612345678@s.whatsapp.net", id="plus-sign"),
        pytest.param("1234@s.whatsapp.net", id="too-short"),
        pytest.param("1" * 21 + "@s.whatsapp.net", id="too-long"),
        pytest.param("33612345678@g.us", id="group-domain"),
        pytest.param("33612345678@sXwhatsappYnet", id="dots-are-literal"),
        pytest.param("33612345678@s.whatsapp.net.evil", id="trailing-text"),
        pytest.param("ACoAAAcDMMQB", id="linkedin-id"),
        pytest.param("٣٣٦١٢٣٤٥٦٧٨@s.whatsapp.net", id="arabic-indic-digits"),
        pytest.param(
            "\uff13\uff13\uff16\uff11\uff12\uff13\uff14\uff15@s.whatsapp.net", id="fullwidth-digits"
        ),
    ],
)
def test_it_refuses_anything_but_ascii_digits_at_s_whatsapp_net_on_whatsapp(
    recipient: str,
) -> None:
    problem = recipient_problem(recipient, WHATSAPP_FIELDS)

    assert problem == f"“{recipient}” is not a WhatsApp id: use <digits>@s.whatsapp.net."


@pytest.mark.parametrize(
    "fields",
    [CLASSIC_FIELDS, SALES_NAVIGATOR_FIELDS, RECRUITER_FIELDS, WHATSAPP_FIELDS]
    + [ChatFields(provider, None) for provider in (INSTAGRAM, TELEGRAM)],
    ids=lambda fields: f"{fields.provider}-{fields.linkedin_api}",
)
@pytest.mark.parametrize(
    "recipient",
    ["ACo AAAcDMMQB", " ACoAAAcDMMQB", "ACoAAAcDMMQB\n", "ACo\tAAA", "ACo\u00a0AAA", ""],
    ids=["space", "leading-space", "newline", "tab", "no-break-space", "empty"],
)
def test_it_refuses_ids_with_spaces_or_nothing_on_every_provider(
    recipient: str, fields: ChatFields
) -> None:
    assert (
        recipient_problem(recipient, fields) == f"“{recipient}” is not an id: ids have no spaces."
    )


@pytest.mark.parametrize("provider", [INSTAGRAM, TELEGRAM])
def test_it_takes_any_id_without_spaces_on_instagram_and_telegram(provider: str) -> None:
    fields = ChatFields(provider, None)

    for recipient in ("ACoAAAcDMMQB", "1234567890", "someone_42"):
        assert recipient_problem(recipient, fields) == ""


def test_it_checks_no_api_prefix_on_linkedin_before_an_api_is_chosen() -> None:
    fields = ChatFields(LINKEDIN, None)

    assert recipient_problem("AEMAAAcDMMQB", fields) == ""
    assert recipient_problem("ACo AAA", fields) != ""  # spaces are still refused


# --- companies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recipient", "company"),
    [
        ("5108726", True),
        ("urn-li-company-42", True),
        ("ACoAAAcDMMQB", False),
        ("ACwAAAcDMMQB", False),
        ("AEMAAAcDMMQB", False),
    ],
)
def test_it_takes_any_id_that_is_no_member_id_for_a_company(recipient: str, company: bool) -> None:
    assert is_company(recipient) is company


# --- which fields the composer offers ------------------------------------------------------

FLAGS = ("voice_message", "video_message", "classic_options", "recruiter_options", "allows_html")


@pytest.mark.parametrize(
    ("fields", "offered"),
    [
        (CLASSIC_FIELDS, {"voice_message", "video_message", "classic_options"}),
        (SALES_NAVIGATOR_FIELDS, {"voice_message", "video_message"}),
        (
            RECRUITER_FIELDS,
            {"voice_message", "video_message", "recruiter_options", "allows_html"},
        ),
        (ChatFields(LINKEDIN, None), {"voice_message", "video_message"}),
        (WHATSAPP_FIELDS, {"voice_message"}),
        (ChatFields(INSTAGRAM, None), set()),
        (ChatFields(TELEGRAM, None), set()),
    ],
    ids=lambda value: (
        f"{value.provider}-{value.linkedin_api}" if isinstance(value, ChatFields) else ""
    ),
)
def test_it_offers_each_provider_and_api_its_own_fields(
    fields: ChatFields, offered: set[str]
) -> None:
    assert {flag for flag in FLAGS if getattr(fields, flag)} == offered


def test_it_allows_html_only_in_recruiter_messages() -> None:
    every_combination = [ChatFields(LINKEDIN, api) for api in LinkedInApi.values] + [
        ChatFields(provider, None) for provider in (INSTAGRAM, WHATSAPP, TELEGRAM)
    ]

    assert [fields for fields in every_combination if fields.allows_html] == [RECRUITER_FIELDS]


@pytest.mark.parametrize("provider", ProviderChoice.values)
def test_it_has_recipient_help_for_every_provider(provider: str) -> None:
    fields = ChatFields(provider, None)

    assert fields.recipient_help == RECIPIENT_HELP[provider]
    assert fields.recipient_help


def test_it_points_to_attachments_for_audio_where_there_are_no_voice_messages() -> None:
    assert "m4a" in CLASSIC_FIELDS.voice_help
    assert "m4a" in WHATSAPP_FIELDS.voice_help
    for provider in (INSTAGRAM, TELEGRAM):
        assert "Attachments" in ChatFields(provider, None).voice_help


def test_it_names_the_option_fields_each_provider_and_api_takes() -> None:
    files = {"voice_message", "video_message"}

    assert CLASSIC_FIELDS.option_fields == {"linkedin_api", *files, *rules.CLASSIC_FIELDS}
    assert SALES_NAVIGATOR_FIELDS.option_fields == {"linkedin_api", *files}
    assert RECRUITER_FIELDS.option_fields == {"linkedin_api", *files, *rules.RECRUITER_FIELDS}
    assert WHATSAPP_FIELDS.option_fields == {"voice_message"}
    assert ChatFields(TELEGRAM, None).option_fields == set()


# --- an account's fields -------------------------------------------------------------------


def account(provider: str, apis: list[str] | None = None) -> LinkedAccount:
    return LinkedAccount(provider=provider, linkedin_apis=apis or [])


def test_it_offers_an_accounts_linkedin_apis_in_a_fixed_order() -> None:
    assert linkedin_apis_of(account(LINKEDIN, [RECRUITER, CLASSIC])) == [CLASSIC, RECRUITER]
    assert linkedin_apis_of(account(LINKEDIN, [SALES_NAVIGATOR])) == [SALES_NAVIGATOR]
    assert linkedin_apis_of(account(LINKEDIN)) == [CLASSIC]  # the API's own default
    assert linkedin_apis_of(account(WHATSAPP)) == []


def test_it_gives_an_account_the_api_asked_for_when_it_has_it_else_its_first() -> None:
    both = account(LINKEDIN, [CLASSIC, RECRUITER])

    assert fields_for_account(both, RECRUITER) == RECRUITER_FIELDS
    assert fields_for_account(both, None) == CLASSIC_FIELDS
    assert fields_for_account(both, SALES_NAVIGATOR) == CLASSIC_FIELDS
    assert ChatFields.for_account(both, RECRUITER) == RECRUITER_FIELDS


def test_it_gives_other_providers_no_linkedin_api_whatever_is_asked() -> None:
    for provider in (INSTAGRAM, WHATSAPP, TELEGRAM):
        fields = fields_for_account(account(provider), RECRUITER)

        assert fields == ChatFields(provider, None)
        assert not (fields.classic_options or fields.recruiter_options or fields.allows_html)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("ACo1", ["ACo1"]),
        ("ACo1, ACo2,ACo3", ["ACo1", "ACo2", "ACo3"]),
        ("ACo1\r\nACo2\nACo3\r", ["ACo1", "ACo2", "ACo3"]),
        ("ACo1,\n,,ACo2,", ["ACo1", "ACo2"]),
        ("ACo1, ACo2, ACo1", ["ACo1", "ACo2"]),
        ("ACo1 ACo2", ["ACo1 ACo2"]),  # then refused by recipient_problem: no spaces in ids
        ("", []),
        (" , \n ", []),
    ],
)
def test_it_reads_recipients_one_per_line_or_comma_separated_each_once(
    text: str, ids: list[str]
) -> None:
    assert recipient_list(text) == ids

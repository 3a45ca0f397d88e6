"""The campaign message template: placeholders, fallbacks, and the words for a bad template."""

import pytest

from campaigns.templating import (
    Placeholder,
    Rendered,
    TemplateInvalid,
    template_column_problems,
    template_parse,
)


def render(source: str, **values: str) -> Rendered:
    return template_parse(source).render(values)


def invalid(source: str) -> str:
    with pytest.raises(TemplateInvalid) as refused:
        template_parse(source)
    return refused.value.message


def test_it_fills_variables_from_the_recipients_values() -> None:
    assert render("Hi {first_name} at {company}!", first_name="Ann", company="Acme") == Rendered(
        "Hi Ann at Acme!", []
    )


def test_it_compiles_literal_text_and_placeholders_once() -> None:
    template = template_parse("Hi {first_name|there}, {{see}} {company}.")
    assert template.parts == (
        "Hi ",
        Placeholder("first_name", "there"),
        ", {see} ",
        Placeholder("company", None),
        ".",
    )


def test_it_uses_the_fallback_when_the_value_is_missing_empty_or_blank() -> None:
    source = "Hi {first_name|there}!"
    assert render(source).text == "Hi there!"
    assert render(source, first_name="").text == "Hi there!"
    assert render(source, first_name="  ").text == "Hi there!"
    assert render(source, first_name="Ann").text == "Hi Ann!"


def test_an_explicit_empty_fallback_renders_nothing_and_is_not_missing() -> None:
    assert render("Hi{first_name|}!") == Rendered("Hi!", [])
    assert template_parse("Hi{first_name|}!").required == []


def test_a_fallback_keeps_its_text_as_written() -> None:
    assert render("Hello{first_name| friend | colleague}!").text == "Hello friend | colleague!"


def test_it_reports_missing_values_without_a_fallback_in_order_without_repeats() -> None:
    rendered = render("{company}: {first_name}, {company} {city|here}", first_name=" ")
    assert rendered == Rendered(": ,  here", ["company", "first_name"])


def test_variable_names_ignore_case_to_match_normalized_columns() -> None:
    template = template_parse("Hi {First_Name}, {FIRST_NAME|you}")
    assert template.variables == ["first_name"]
    assert template.render({"first_name": "Ann"}).text == "Hi Ann, Ann"


def test_spaces_around_a_variable_name_are_forgiven() -> None:
    assert render("Hi { first_name |there}", first_name="Ann").text == "Hi Ann"


def test_doubled_braces_are_literal_braces() -> None:
    assert render("{{first_name}} is {{{first_name}}}", first_name="Ann").text == (
        "{first_name} is {Ann}"
    )
    assert template_parse("{{first_name}}").variables == []


def test_it_lists_variables_in_order_and_required_ones_without_fallbacks() -> None:
    template = template_parse("{company|you} {first_name} {company} {city|here} {first_name}")
    assert template.variables == ["company", "first_name", "city"]
    assert template.required == ["first_name", "company"]  # by first use without a fallback


def test_it_normalizes_line_breaks_as_the_message_counter_does() -> None:
    assert render("Hi {first_name},\r\nthanks\r", first_name="Ann").text == "Hi Ann,\nthanks\n"
    assert render("{note}", note="one\r\ntwo").text == "one\ntwo"


def test_it_keeps_the_source() -> None:
    assert template_parse("Hi {first_name}").source == "Hi {first_name}"


@pytest.mark.parametrize("bad", ["{first name}", "{}", "{1st}", "{first-name|x}", "{|x}"])
def test_it_refuses_a_placeholder_that_is_not_a_column_name(bad: str) -> None:
    assert invalid(f"Hi {bad}!") == (
        f"The template has “{bad}”: a variable is a column name in braces, like {{first_name}}."
    )


def test_it_refuses_an_unclosed_brace() -> None:
    assert invalid("Hi {first_name, see you") == (
        "The template has a “{” that is never closed, at “{first_name, see you”: end the "
        "variable with }, or write {{ for a brace."
    )
    assert "never closed" in invalid("Hi {a {b}")
    assert "never closed" in invalid("Hi {")


def test_it_refuses_a_lone_closing_brace() -> None:
    assert invalid("Hi there :} bye") == (
        "The template has a “}” that closes no variable, at “Hi there :}”: write }} for a brace."
    )
    assert "closes no variable" in invalid("{{x}}}")


def test_it_names_required_variables_that_are_not_columns() -> None:
    template = template_parse("Hi {first_name|there} from {company} in {home_city}, {provider_id}")
    assert template_column_problems(template, ["provider_id", "email"]) == [
        "{company} is not a column of the recipients and has no fallback: add the column, or "
        "give a fallback such as {company|your company}.",
        "{home_city} is not a column of the recipients and has no fallback: add the column, or "
        "give a fallback such as {home_city|your home city}.",
    ]
    assert template_column_problems(template, ["provider_id", "company", "home_city"]) == []


def test_it_renders_a_message_for_each_of_10_000_recipients() -> None:
    template = template_parse("Hi {first_name|there}, how is {company}?")
    rows = [
        {"provider_id": f"id-{n}", "first_name": f"Name {n}" if n % 2 else "", "company": "Acme"}
        for n in range(10_000)
    ]
    rendered = [template.render(row) for row in rows]
    assert len(rendered) == 10_000
    assert rendered[0] == Rendered("Hi there, how is Acme?", [])
    assert rendered[9_999] == Rendered("Hi Name 9999, how is Acme?", [])

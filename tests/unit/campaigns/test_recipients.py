"""Recipients from an uploaded CSV or pasted lines: what Excel writes, what a person must fix."""

import codecs
from collections.abc import Collection

import pytest

from campaigns.recipients import (
    DEFAULT_MAX_ROWS,
    NO_RECIPIENT_COLUMN,
    NOT_TEXT,
    ParsedRecipients,
    RecipientRow,
    RecipientsRefused,
    normalize_column,
    recipients_from_csv,
    recipients_from_lines,
)


def parse(
    text: str,
    *,
    takes_email: bool = True,
    max_rows: int = DEFAULT_MAX_ROWS,
    existing: Collection[str] = (),
) -> ParsedRecipients:
    return recipients_from_csv(
        text.encode(), takes_email=takes_email, max_rows=max_rows, existing=existing
    )


def refusal(data: bytes | str, *, max_rows: int = DEFAULT_MAX_ROWS) -> list[str]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(RecipientsRefused) as refused:
        recipients_from_csv(raw, takes_email=True, max_rows=max_rows)
    return refused.value.problems


def lines_refusal(text: str) -> list[str]:
    with pytest.raises(RecipientsRefused) as refused:
        recipients_from_lines(text)
    return refused.value.problems


def ids(parsed: ParsedRecipients) -> list[str]:
    return [row.recipient_id for row in parsed.rows]


# Reading a good file ----------------------------------------------------------------------------


def test_it_reads_rows_numbered_as_a_spreadsheet_numbers_them() -> None:
    parsed = parse("provider_id,first_name\nann-1,Ann\nbob-2,Bob\n")
    assert parsed.rows == [
        RecipientRow(2, "ann-1", "", {"provider_id": "ann-1", "first_name": "Ann"}),
        RecipientRow(3, "bob-2", "", {"provider_id": "bob-2", "first_name": "Bob"}),
    ]
    assert parsed.columns == ["provider_id", "first_name"]
    assert parsed.duplicates_dropped == 0
    assert parsed.encoding == "UTF-8"


def test_it_normalizes_column_names_for_template_variables() -> None:
    parsed = parse(" Provider ID ,First  Name,company-name,E.Mail!\nann,Ann,Acme,x\n")
    assert parsed.columns == ["provider_id", "first_name", "company_name", "e_mail"]
    assert normalize_column("__Last--Name__") == "last_name"


def test_it_uses_a_recipient_column_when_there_is_no_provider_id_column() -> None:
    parsed = parse("Recipient,company\nann,Acme\n")
    assert ids(parsed) == ["ann"]
    assert parsed.rows[0].variables == {"recipient": "ann", "company": "Acme"}


def test_it_prefers_provider_id_over_recipient() -> None:
    parsed = parse("recipient,provider_id\nAnn Smith,ann-1\n")
    assert ids(parsed) == ["ann-1"]
    assert parsed.rows[0].variables["recipient"] == "Ann Smith"


def test_it_strips_cells_and_fills_missing_cells_with_empty_values() -> None:
    parsed = parse("provider_id,first_name,company\n  ann  , Ann \nbob\n")
    assert [row.variables for row in parsed.rows] == [
        {"provider_id": "ann", "first_name": "Ann", "company": ""},
        {"provider_id": "bob", "first_name": "", "company": ""},
    ]


def test_it_skips_blank_rows_silently_and_keeps_numbering_rows() -> None:
    parsed = parse("provider_id,first_name\n\nann,Ann\n , \n\nbob,Bob\n")
    assert [(row.row_number, row.recipient_id) for row in parsed.rows] == [(3, "ann"), (6, "bob")]


def test_it_finds_the_header_below_leading_blank_rows() -> None:
    parsed = parse("\n,,\nprovider_id,first_name\nann,Ann\n")
    assert [(row.row_number, row.recipient_id) for row in parsed.rows] == [(4, "ann")]
    assert refusal("\n\nprovider_id,\nann,x\n") == [
        "Row 4 has 2 cells but the header names 1 column: a comma inside a value needs the "
        "value in double quotes."
    ]


def test_it_ignores_the_trailing_empty_columns_excel_leaves() -> None:
    parsed = parse("provider_id,first_name,,\r\nann,Ann,,\r\nbob,Bob,,\r\n")
    assert parsed.columns == ["provider_id", "first_name"]
    assert parsed.rows[1].variables == {"provider_id": "bob", "first_name": "Bob"}


def test_it_ignores_an_unnamed_column_without_values() -> None:
    parsed = parse("provider_id,,company\nann,,Acme\n")
    assert parsed.columns == ["provider_id", "company"]
    assert parsed.rows[0].variables == {"provider_id": "ann", "company": "Acme"}


def test_it_keeps_a_quoted_comma_and_a_quoted_line_break_inside_their_value() -> None:
    parsed = parse('provider_id,company,note\nann,"Acme, Inc.","one\ntwo"\nbob,Beta,x\n')
    assert parsed.rows[0].variables["company"] == "Acme, Inc."
    assert parsed.rows[0].variables["note"] == "one\ntwo"
    assert parsed.rows[1].row_number == 3  # the quoted line break stays in row 2


def test_it_reads_semicolons_as_european_excel_writes_them() -> None:
    parsed = parse("provider_id;first_name;company\nann;Ann;Acme, Inc.\n")
    assert parsed.rows[0].variables == {
        "provider_id": "ann",
        "first_name": "Ann",
        "company": "Acme, Inc.",
    }


def test_it_reads_tabs() -> None:
    parsed = parse("provider_id\tcompany\nann\tAcme; Inc.\n")
    assert parsed.rows[0].variables["company"] == "Acme; Inc."


def test_it_reads_a_single_column_file_with_commas_as_delimiter() -> None:
    parsed = parse("provider_id\nann\nbob\n")
    assert ids(parsed) == ["ann", "bob"]


# Emails -----------------------------------------------------------------------------------------


def test_it_takes_the_email_column_when_the_provider_takes_emails() -> None:
    parsed = parse("provider_id,email\nann,ann@example.com\nbob,\n", takes_email=True)
    assert [row.email for row in parsed.rows] == ["ann@example.com", ""]


def test_it_keeps_the_email_only_as_a_variable_when_the_provider_takes_none() -> None:
    parsed = parse("provider_id,email\nann,not an email\n", takes_email=False)
    assert parsed.rows[0].email == ""
    assert parsed.rows[0].variables["email"] == "not an email"


@pytest.mark.parametrize("email", ["ann", "ann@example", "a@b@example.com", "ann smith@x.com"])
def test_it_refuses_a_value_that_does_not_look_like_an_email(email: str) -> None:
    assert refusal(f"provider_id,email\nann,ok@example.com\nbob,{email}\n") == [
        f"Row 3: “{email}” is not an email address."
    ]


# Problems in the header -------------------------------------------------------------------------


def test_it_refuses_a_file_without_a_recipient_column() -> None:
    assert refusal("id,first_name\nann,Ann\n") == [NO_RECIPIENT_COLUMN]
    assert NO_RECIPIENT_COLUMN == (
        "The file has no provider_id (or recipient) column. Its first row must name the "
        "columns, for example: provider_id,first_name,company"
    )


def test_it_refuses_a_file_whose_first_row_is_data() -> None:
    assert refusal("ann-1,Ann\nbob-2,Bob\n") == [NO_RECIPIENT_COLUMN]


def test_it_refuses_two_columns_that_read_as_the_same_name() -> None:
    assert refusal("provider_id,First Name,company,first-name\nann,Ann,Acme,A\n") == [
        "Columns 2 (“First Name”) and 4 (“first-name”) both read as first_name: rename one of them."
    ]


def test_it_refuses_an_unnamed_column_that_holds_values() -> None:
    assert refusal("provider_id,,company\nann,,Acme\nbob,x,Beta\n") == [
        "Column 2 has no name in row 1, but row 3 has a value in it: name the column, or delete it."
    ]


def test_it_refuses_a_column_name_without_letters_or_digits_over_values() -> None:
    assert refusal("provider_id,???\nann,x\n") == [
        "Column 2 is named “???”, which has no letters or digits, but row 2 has a value in it: "
        "give the column a name such as notes."
    ]


@pytest.mark.parametrize(
    "data", [b"", b"   \n\n", b"provider_id,first_name\n", b"provider_id\n,\n"]
)
def test_it_refuses_a_file_without_recipients(data: bytes) -> None:
    assert refusal(data) == ["The file has no recipients."]


# Problems in rows -------------------------------------------------------------------------------


def test_it_names_an_empty_recipient_by_the_column_used() -> None:
    assert refusal("provider_id,first_name\nann,Ann\n,Bob\n") == [
        "Row 3: the provider_id is empty."
    ]
    assert refusal("recipient,first_name\n,Bob\n") == ["Row 2: the recipient is empty."]


def test_it_refuses_a_recipient_with_a_space() -> None:
    assert refusal("provider_id\nann smith\n") == [
        "Row 2: the provider_id “ann smith” contains a space; an id is a single word."
    ]


def test_it_refuses_a_recipient_longer_than_300_characters() -> None:
    assert parse(f"provider_id\n{'a' * 300}\n").rows[0].recipient_id == "a" * 300
    assert refusal(f"provider_id\n{'a' * 301}\n") == [
        "Row 2: the provider_id is 301 characters long; it can be at most 300."
    ]


def test_it_refuses_a_row_with_more_cells_than_the_header_names() -> None:
    text = "provider_id,first_name,company,city\nann,Ann,Acme,Paris\nbob,Bob,Beta, Inc.,Lyon\n"
    assert refusal(text) == [
        "Row 3 has 5 cells but the header names 4 columns: a comma inside a value needs the "
        "value in double quotes."
    ]


def test_it_names_the_delimiter_when_a_row_has_too_many_cells() -> None:
    assert refusal("provider_id;company\nann;Acme;Inc\n") == [
        "Row 2 has 3 cells but the header names 2 columns: a semicolon inside a value needs the "
        "value in double quotes."
    ]


def test_it_accepts_extra_cells_that_are_empty() -> None:
    assert ids(parse("provider_id,company\nann,Acme,,\n")) == ["ann"]


def test_it_refuses_a_cell_longer_than_1000_characters() -> None:
    assert parse(f"provider_id,note\nann,{'n' * 1000}\n").rows[0].variables["note"] == "n" * 1000
    assert refusal(f"provider_id,note\nann,ok\nbob,{'n' * 1001}\n") == [
        "Row 3: the value in the “note” column is 1,001 characters long; a value can be at "
        "most 1,000."
    ]


def test_it_refuses_unpaired_double_quotes_by_row() -> None:
    assert refusal('provider_id,company\nann,Acme\nbob,"Beta\ncid,Gamma\n') == [
        "Row 3 could not be read: check its double quotes. A value in quotes ends with a quote "
        "followed by the delimiter or the end of the line, and a quote inside it is written "
        'twice ("").'
    ]


def test_it_collects_every_problem_and_imports_nothing() -> None:
    text = (
        "provider_id,email\n,ann@example.com\nbob,bob\ncid d,cid@example.com\nok,ok@example.com\n"
    )
    assert refusal(text) == [
        "Row 2: the provider_id is empty.",
        "Row 3: “bob” is not an email address.",
        "Row 4: the provider_id “cid d” contains a space; an id is a single word.",
    ]


def test_it_lists_20_problems_then_says_how_many_more() -> None:
    text = "provider_id\n" + "a b\n" * 25
    problems = refusal(text)
    assert len(problems) == 21
    assert problems[0] == "Row 2: the provider_id “a b” contains a space; an id is a single word."
    assert problems[19].startswith("Row 21:")
    assert problems[20] == "…and 5 more problems."


def test_it_says_one_more_problem_in_the_singular() -> None:
    assert refusal("provider_id\n" + "a b\n" * 21)[-1] == "…and 1 more problem."


# Duplicates -------------------------------------------------------------------------------------


def test_it_drops_and_counts_duplicates_keeping_the_first() -> None:
    parsed = parse("provider_id,first_name\nann,Ann\nbob,Bob\n ann ,Other Ann\nann,Third\n")
    assert [(row.row_number, row.variables["first_name"]) for row in parsed.rows] == [
        (2, "Ann"),
        (3, "Bob"),
    ]
    assert parsed.duplicates_dropped == 2


def test_it_drops_recipients_already_in_the_campaign() -> None:
    parsed = parse("provider_id\nann\nbob\ncid\n", existing=[" bob ", "dan"])
    assert ids(parsed) == ["ann", "cid"]
    assert parsed.duplicates_dropped == 1


def test_it_compares_recipients_exactly() -> None:
    assert ids(parse("provider_id\nAnn\nann\n", existing=["ANN"])) == ["Ann", "ann"]


# The row limit ----------------------------------------------------------------------------------


def test_it_accepts_10_000_recipients() -> None:
    text = "provider_id,first_name\n" + "".join(f"id-{n},Name {n}\n" for n in range(10_000))
    parsed = parse(text)
    assert len(parsed.rows) == 10_000
    assert parsed.rows[-1] == RecipientRow(
        10_001, "id-9999", "", {"provider_id": "id-9999", "first_name": "Name 9999"}
    )


def test_it_refuses_10_001_recipients_without_listing_row_problems() -> None:
    text = "provider_id\n" + "bad id\n" * 10_001
    assert refusal(text) == [
        "The file has 10,001 recipients; a campaign takes at most 10,000. Split it into several "
        "campaigns."
    ]


def test_it_counts_the_row_limit_without_blank_rows() -> None:
    assert len(parse("provider_id\na\n\nb\n,\nc\n", max_rows=3).rows) == 3
    assert refusal("provider_id\na\nb\nc\nd\n", max_rows=3) == [
        "The file has 4 recipients; a campaign takes at most 3. Split it into several campaigns."
    ]


# Encodings --------------------------------------------------------------------------------------


def test_it_decodes_utf8() -> None:
    parsed = recipients_from_csv("provider_id,first_name\nann,Zoë\n".encode(), takes_email=False)
    assert (parsed.encoding, parsed.rows[0].variables["first_name"]) == ("UTF-8", "Zoë")


def test_it_decodes_utf8_with_a_bom_and_keeps_the_bom_out_of_the_first_column() -> None:
    data = "provider_id,first_name\nann,Zoë\n".encode("utf-8-sig")
    parsed = recipients_from_csv(data, takes_email=False)
    assert parsed.encoding == "UTF-8 with BOM"
    assert parsed.columns == ["provider_id", "first_name"]
    assert parsed.rows[0].variables["first_name"] == "Zoë"


def test_it_decodes_excels_utf16_tab_separated_export() -> None:
    data = codecs.BOM_UTF16_LE + "provider_id\tfirst_name\r\nann\tZoë\r\n".encode("utf-16-le")
    parsed = recipients_from_csv(data, takes_email=False)
    assert parsed.encoding == "UTF-16"
    assert parsed.rows[0].variables == {"provider_id": "ann", "first_name": "Zoë"}


def test_it_decodes_big_endian_utf16_with_a_bom() -> None:
    data = codecs.BOM_UTF16_BE + "provider_id,first_name\nann,Zoë\n".encode("utf-16-be")
    parsed = recipients_from_csv(data, takes_email=False)
    assert (parsed.encoding, parsed.rows[0].variables["first_name"]) == ("UTF-16", "Zoë")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_it_recognises_utf16_without_a_bom_by_its_nul_bytes(codec: str) -> None:
    data = "provider_id,first_name\nann,Zoë\n".encode(codec)
    parsed = recipients_from_csv(data, takes_email=False)
    assert (parsed.encoding, parsed.rows[0].variables["first_name"]) == ("UTF-16", "Zoë")


def test_it_decodes_windows_1252_from_excels_plain_csv_export() -> None:
    data = "provider_id;first_name\r\nann;Zoë\r\nbob;René\r\n".encode("cp1252")
    assert data.count(b"\xe9") == 1 and data.count(b"\xeb") == 1  # not valid UTF-8
    parsed = recipients_from_csv(data, takes_email=False)
    assert parsed.encoding == "Windows-1252"
    assert [row.variables["first_name"] for row in parsed.rows] == ["Zoë", "René"]


def test_it_refuses_bytes_that_are_no_known_encoding() -> None:
    data = b"provider_id\nann\x81\x8d\n"  # undefined in Windows-1252, invalid in UTF-8
    assert refusal(data) == [NOT_TEXT]
    assert NOT_TEXT == (
        "The file is not text in UTF-8, UTF-16 or Windows-1252: save it from your spreadsheet "
        "as “CSV UTF-8”."
    )


def test_it_refuses_a_binary_file_with_nul_characters() -> None:
    assert refusal(b"PK\x03\x04\x14\x00\x00\x00provider_id\n") == [NOT_TEXT]


def test_it_refuses_a_broken_utf16_file() -> None:
    assert refusal(codecs.BOM_UTF16_LE + b"p\x00r\x00o") == [NOT_TEXT]


# Pasted lines -----------------------------------------------------------------------------------


def test_it_reads_pasted_lines_one_recipient_each() -> None:
    parsed = recipients_from_lines("ann\r\n\n  bob  \n\ncid\n")
    assert parsed.rows == [
        RecipientRow(1, "ann", "", {"provider_id": "ann"}),
        RecipientRow(3, "bob", "", {"provider_id": "bob"}),
        RecipientRow(5, "cid", "", {"provider_id": "cid"}),
    ]
    assert parsed.columns == ["provider_id"]


def test_it_drops_pasted_duplicates_also_against_existing() -> None:
    parsed = recipients_from_lines("ann\nbob\nann\ncid\n", existing=["cid"])
    assert (ids(parsed), parsed.duplicates_dropped) == (["ann", "bob"], 2)


def test_it_numbers_problems_in_pasted_lines_by_line() -> None:
    assert lines_refusal(f"ann\n\nann smith\n{'x' * 301}\n") == [
        "Line 3: the provider_id “ann smith” contains a space; an id is a single word.",
        "Line 4: the provider_id is 301 characters long; it can be at most 300.",
    ]


def test_it_refuses_an_empty_paste() -> None:
    assert lines_refusal(" \n\n") == ["The list has no recipients: paste one provider_id per line."]


def test_it_limits_pasted_lines_to_the_row_limit() -> None:
    assert len(recipients_from_lines("\n".join(f"id-{n}" for n in range(10_000))).rows) == 10_000
    assert lines_refusal("\n".join(f"id-{n}" for n in range(10_001))) == [
        "The list has 10,001 recipients; a campaign takes at most 10,000. Split it into several "
        "campaigns."
    ]


def test_the_refusal_reads_as_its_problems() -> None:
    refused = RecipientsRefused(["Row 2: one.", "Row 3: two."])
    assert str(refused) == "Row 2: one.\nRow 3: two."

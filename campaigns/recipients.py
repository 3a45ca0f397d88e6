"""The recipients of an outreach campaign, read from a CSV upload or from pasted lines.

People export these lists from spreadsheets, so the reader accepts what Excel and its
cousins write (a BOM, UTF-16 "Unicode Text", Windows-1252, semicolons in European locales,
trailing empty columns) and answers a bad file with sentences that name the spreadsheet row
to fix. Every problem is collected before refusing, so a person fixes the file once; nothing
is ever half-imported.
"""

import codecs
import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

DEFAULT_MAX_ROWS = 10_000
MAX_CELL_CHARACTERS = 1000
MAX_RECIPIENT_CHARACTERS = 300
MAX_PROBLEMS_SHOWN = 20

RECIPIENT_COLUMNS = ("provider_id", "recipient")
EMAIL_COLUMN = "email"
DELIMITERS = (",", ";", "\t")  # the first wins a tie, so a one-column file reads as commas
DELIMITER_WORDS = {",": "a comma", ";": "a semicolon", "\t": "a tab"}

NOT_TEXT = (
    "The file is not text in UTF-8, UTF-16 or Windows-1252: save it from your spreadsheet as "
    "“CSV UTF-8”."
)
NO_RECIPIENTS_IN_FILE = "The file has no recipients."
NO_RECIPIENTS_IN_LIST = "The list has no recipients: paste one provider_id per line."
NO_RECIPIENT_COLUMN = (
    "The file has no provider_id (or recipient) column. Its first row must name the columns, "
    "for example: provider_id,first_name,company"
)

_NOT_NAME_CHARACTERS = re.compile(r"[^a-z0-9_]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Enough bytes to recognise UTF-16 without a BOM by its NUL high (or low) bytes.
_SNIFF_BYTES = 64


@dataclass(frozen=True)
class RecipientRow:
    row_number: int  # as a spreadsheet numbers it: the header is row 1 (pasted: the line)
    recipient_id: str
    email: str  # "" unless the file has an email column and the provider takes emails
    variables: dict[str, str]  # every column by its normalized name


@dataclass(frozen=True)
class ParsedRecipients:
    rows: list[RecipientRow]
    columns: list[str]  # normalized column names, in file order
    duplicates_dropped: int  # rows whose recipient was seen before, in the file or in existing
    encoding: str  # what was detected, in words, to show beside the preview


class RecipientsRefused(Exception):
    """The whole file is refused; problems holds the sentences to show, cut to a readable list."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        hidden = len(problems) - len(shown)
        if hidden:
            shown.append(f"…and {_count(hidden, 'more problem', 'more problems')}.")
        self.problems = shown
        super().__init__("\n".join(shown))


def recipients_from_csv(
    data: bytes,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    existing: Collection[str] = (),
    takes_email: bool,
) -> ParsedRecipients:
    """Read an uploaded CSV; raise RecipientsRefused with every problem found, or none."""
    text, encoding = _decode(data)
    delimiter = _delimiter(text)
    header_number, header, records = _header(_records(text, delimiter))
    columns = [normalize_column(name) for name in header]
    recipient_column = next((name for name in RECIPIENT_COLUMNS if name in columns), None)
    if recipient_column is None:
        raise RecipientsRefused([NO_RECIPIENT_COLUMN])
    data_rows = [(number, cells) for number, cells in records if not _is_blank(cells)]
    if not data_rows:
        raise RecipientsRefused([NO_RECIPIENTS_IN_FILE])
    if len(data_rows) > max_rows:
        raise RecipientsRefused([_too_many("The file has", len(data_rows), max_rows)])

    problems = _column_problems(header, columns, header_number, data_rows)
    email_taken = takes_email and EMAIL_COLUMN in columns
    reader = _RowReader(
        columns=columns,
        recipient_index=columns.index(recipient_column),
        email_index=columns.index(EMAIL_COLUMN) if email_taken else None,
        delimiter=delimiter,
        seen={recipient.strip() for recipient in existing},
    )
    rows = reader.read(data_rows)
    problems += reader.problems
    if problems:
        raise RecipientsRefused(problems)
    return ParsedRecipients(
        rows=rows,
        columns=[name for name in columns if name],
        duplicates_dropped=reader.duplicates,
        encoding=encoding,
    )


def recipients_from_lines(
    text: str, *, max_rows: int = DEFAULT_MAX_ROWS, existing: Collection[str] = ()
) -> ParsedRecipients:
    """Read pasted recipients, one provider_id per line, with the same rules as a file.

    The text arrives from a form, which browsers post as UTF-8, hence the encoding reported.
    """
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise RecipientsRefused([NO_RECIPIENTS_IN_LIST])
    if len(lines) > max_rows:
        raise RecipientsRefused([_too_many("The list has", len(lines), max_rows)])

    seen = {recipient.strip() for recipient in existing}
    rows: list[RecipientRow] = []
    problems: list[str] = []
    duplicates = 0
    for number, recipient in lines:
        problem = _recipient_problem(f"Line {number}", "provider_id", recipient)
        if problem:
            problems.append(problem)
        elif recipient in seen:
            duplicates += 1
        else:
            seen.add(recipient)
            rows.append(RecipientRow(number, recipient, "", {"provider_id": recipient}))
    if problems:
        raise RecipientsRefused(problems)
    return ParsedRecipients(
        rows=rows, columns=["provider_id"], duplicates_dropped=duplicates, encoding="UTF-8"
    )


def normalize_column(name: str) -> str:
    """Headers such as "First Name", "first-name" and "FIRST_NAME" all become first_name."""
    return _NOT_NAME_CHARACTERS.sub("_", name.strip().lower()).strip("_")


def _recipient_problem(where: str, column: str, recipient: str) -> str | None:
    """What is wrong with one recipient id, if anything; where is "Row 5" or "Line 3"."""
    if not recipient:
        return f"{where}: the {column} is empty."
    if len(recipient) > MAX_RECIPIENT_CHARACTERS:
        return (
            f"{where}: the {column} is {len(recipient):,} characters long; "
            f"it can be at most {MAX_RECIPIENT_CHARACTERS}."
        )
    if any(character.isspace() for character in recipient):
        return f"{where}: the {column} “{recipient}” contains a space; an id is a single word."
    return None


# Decoding -----------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """The text and, in words, the encoding it was found in.

    A BOM is trusted first; then UTF-16 without a BOM, recognised by its NUL bytes; then strict
    UTF-8; then Windows-1252, which Excel writes on Western Windows for plain "CSV".
    """
    text, encoding = _decode_by_bom(data) or _decode_without_bom(data)
    if "\x00" in text:  # a binary file that happened to decode
        raise RecipientsRefused([NOT_TEXT])
    return text, encoding


def _decode_by_bom(data: bytes) -> tuple[str, str] | None:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "UTF-16"
    return None


def _decode_without_bom(data: bytes) -> tuple[str, str]:
    head = data[:_SNIFF_BYTES]
    if len(head) >= 2 and not any(head[1::2]) and any(head[0::2]):
        return _strict(data, "utf-16-le"), "UTF-16"
    if len(head) >= 2 and not any(head[0::2]) and any(head[1::2]):
        return _strict(data, "utf-16-be"), "UTF-16"
    for codec, words in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return data.decode(codec), words
        except UnicodeDecodeError:
            continue
    raise RecipientsRefused([NOT_TEXT])


def _strict(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise RecipientsRefused([NOT_TEXT]) from None


# Reading rows -------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most columns (Excel in Europe: ";")."""
    header_line = next((line for line in text.splitlines() if line.strip()), "")

    def width(delimiter: str) -> int:
        return len(next(csv.reader([header_line], delimiter=delimiter), []))

    return max(DELIMITERS, key=width)


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Every record with its spreadsheet row number (a quoted line break stays in its row)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            records.append((number, cells))
    except csv.Error:
        raise RecipientsRefused([_unreadable(len(records) + 1)]) from None
    return records


def _unreadable(number: int) -> str:
    return (
        f"Row {number} could not be read: check its double quotes. A value in quotes ends with "
        "a quote followed by the delimiter or the end of the line, and a quote inside it is "
        'written twice ("").'
    )


def _header(
    records: list[tuple[int, list[str]]],
) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The first non-blank row, which names the columns: its number, its names, the rows after.

    Empty names at the end are dropped: Excel writes a delimiter for every column it ever used.
    """
    position = next((i for i, (_, cells) in enumerate(records) if not _is_blank(cells)), None)
    if position is None:
        raise RecipientsRefused([NO_RECIPIENTS_IN_FILE])
    number, cells = records[position]
    header = [name.strip() for name in cells]
    while header and not header[-1]:
        header.pop()
    return number, header, records[position + 1 :]


def _is_blank(cells: Iterable[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _column_problems(
    header: list[str],
    columns: list[str],
    header_number: int,
    data_rows: list[tuple[int, list[str]]],
) -> list[str]:
    """Columns without a usable name that hold values, and names that collide."""
    problems: list[str] = []
    first_of: dict[str, int] = {}
    for index, name in enumerate(columns):
        position = index + 1
        if not name:
            problem = _unnamed_column_problem(header[index], position, header_number, data_rows)
            if problem:
                problems.append(problem)
        elif name in first_of:
            other = first_of[name]
            problems.append(
                f"Columns {other} (“{header[other - 1]}”) and {position} (“{header[index]}”) "
                f"both read as {name}: rename one of them."
            )
        else:
            first_of[name] = position
    return problems


def _unnamed_column_problem(
    raw_name: str, position: int, header_number: int, data_rows: list[tuple[int, list[str]]]
) -> str | None:
    """An unnamed column is harmless while empty; with values, they would be lost silently."""
    index = position - 1
    first = next(
        (number for number, cells in data_rows if index < len(cells) and cells[index].strip()),
        None,
    )
    if first is None:
        return None
    if raw_name:
        return (
            f"Column {position} is named “{raw_name}”, which has no letters or digits, but row "
            f"{first} has a value in it: give the column a name such as notes."
        )
    return (
        f"Column {position} has no name in row {header_number}, but row {first} has a value in "
        "it: name the column, or delete it."
    )


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number:,} {singular if number == 1 else plural}"


def _too_many(subject: str, count: int, max_rows: int) -> str:
    return (
        f"{subject} {count:,} recipients; a campaign takes at most {max_rows:,}. "
        "Split it into several campaigns."
    )


class _RowReader:
    """Turns data rows into RecipientRows, collecting problems and dropping duplicates."""

    def __init__(
        self,
        *,
        columns: list[str],
        recipient_index: int,
        email_index: int | None,
        delimiter: str,
        seen: set[str],
    ) -> None:
        self.columns = columns
        self.named = [(index, name) for index, name in enumerate(columns) if name]
        self.recipient_index = recipient_index
        self.email_index = email_index
        self.delimiter = delimiter
        self.seen = seen
        self.problems: list[str] = []
        self.duplicates = 0

    def read(self, data_rows: list[tuple[int, list[str]]]) -> list[RecipientRow]:
        return [row for number, cells in data_rows if (row := self._row(number, cells))]

    def _row(self, number: int, raw_cells: list[str]) -> RecipientRow | None:
        cells = [cell.strip() for cell in raw_cells]
        cells += [""] * (len(self.columns) - len(cells))
        recipient = cells[self.recipient_index]
        problem = _recipient_problem(f"Row {number}", self.columns[self.recipient_index], recipient)
        if problem is None:
            if recipient in self.seen:
                self.duplicates += 1
                return None
            self.seen.add(recipient)
        problems = [problem] if problem else []
        problems += self._cell_problems(number, cells)
        if problems:
            self.problems += problems
            return None
        email = cells[self.email_index] if self.email_index is not None else ""
        variables = {name: cells[index] for index, name in self.named}
        return RecipientRow(number, recipient, email, variables)

    def _cell_problems(self, number: int, cells: list[str]) -> Iterator[str]:
        filled = max((index + 1 for index, cell in enumerate(cells) if cell), default=0)
        if filled > len(self.columns):
            named = _count(len(self.columns), "column", "columns")
            yield (
                f"Row {number} has {filled} cells but the header names {named}: "
                f"{DELIMITER_WORDS[self.delimiter]} inside a value needs the value in double "
                "quotes."
            )
        for index, name in self.named:
            if index != self.recipient_index and len(cells[index]) > MAX_CELL_CHARACTERS:
                yield (
                    f"Row {number}: the value in the “{name}” column is {len(cells[index]):,} "
                    f"characters long; a value can be at most {MAX_CELL_CHARACTERS:,}."
                )
        email = cells[self.email_index] if self.email_index is not None else ""
        if email and not _EMAIL.fullmatch(email):
            yield f"Row {number}: “{email}” is not an email address."

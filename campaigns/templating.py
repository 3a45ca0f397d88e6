"""The message template of a campaign: text with {column} placeholders, one message per recipient.

A placeholder is {name} or {name|fallback}. The name is a column of the recipients, compared in
lower case because columns are normalized (so {First_Name} reads the first_name column); spaces
around it are forgiven. The fallback is used when the recipient's value is missing or blank; an
explicit empty fallback, {first_name|}, is allowed and renders nothing, for a sentence that reads
well either way. {{ and }} are literal braces. The template is compiled once and rendered for
every recipient, so parsing errors surface when the person saves it, not halfway through a send.
"""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from invitations.rules import normalize_message

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKENS = re.compile(r"\{\{|\}\}|\{[^{}]*\}|\{|\}|[^{}]+")
_CONTEXT_CHARACTERS = 20


class TemplateInvalid(Exception):
    """The template cannot be used; message names the bad part in plain words."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Placeholder:
    name: str  # lower case, as column names are normalized
    fallback: str | None  # None: no fallback, the value is required


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str]  # variables with no value and no fallback, in order, without repeats


@dataclass(frozen=True)
class MessageTemplate:
    source: str
    parts: tuple[str | Placeholder, ...]  # literal text and placeholders, in order

    @property
    def variables(self) -> list[str]:
        """Every variable the template names, in order of first appearance."""
        return list(dict.fromkeys(part.name for part in self._placeholders()))

    @property
    def required(self) -> list[str]:
        """Variables used at least once without a fallback: the recipients need these columns."""
        names = (part.name for part in self._placeholders() if part.fallback is None)
        return list(dict.fromkeys(names))

    def render(self, values: Mapping[str, str]) -> Rendered:
        """The message for one recipient; values are keyed by normalized column name."""
        pieces: list[str] = []
        missing: dict[str, None] = {}
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = values.get(part.name, "")
            if value.strip():
                pieces.append(value)
            elif part.fallback is not None:
                pieces.append(part.fallback)
            else:
                missing[part.name] = None
        return Rendered(text=normalize_message("".join(pieces)), missing=list(missing))

    def _placeholders(self) -> list[Placeholder]:
        return [part for part in self.parts if isinstance(part, Placeholder)]


def template_parse(source: str) -> MessageTemplate:
    """Compile a template once; raise TemplateInvalid naming the first bad part."""
    parts: list[str | Placeholder] = []
    for match in _TOKENS.finditer(source):
        piece = match.group()
        if piece in ("{{", "}}"):
            _append_text(parts, piece[0])
        elif piece == "{":
            raise TemplateInvalid(_unclosed(source, match.start()))
        elif piece == "}":
            raise TemplateInvalid(_lone_closing(source, match.start()))
        elif piece.startswith("{"):
            parts.append(_placeholder(piece))
        else:
            _append_text(parts, piece)
    return MessageTemplate(source=source, parts=tuple(parts))


def template_column_problems(template: MessageTemplate, columns: Collection[str]) -> list[str]:
    """Required variables the recipients cannot fill: each would leave every message with a gap."""
    known = {column.lower() for column in columns}
    return [
        f"{{{name}}} is not a column of the recipients and has no fallback: add the column, or "
        f"give a fallback such as {{{name}|your {name.replace('_', ' ')}}}."
        for name in template.required
        if name not in known
    ]


def _append_text(parts: list[str | Placeholder], text: str) -> None:
    """Adjacent literal text is kept as one part, so rendering joins fewer pieces."""
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


def _placeholder(piece: str) -> Placeholder:
    name, bar, fallback = piece[1:-1].partition("|")
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise TemplateInvalid(
            f"The template has “{piece}”: a variable is a column name in braces, "
            "like {first_name}."
        )
    return Placeholder(name=name.lower(), fallback=fallback if bar else None)


def _unclosed(source: str, start: int) -> str:
    context = source[start : start + _CONTEXT_CHARACTERS]
    return (
        f"The template has a “{{” that is never closed, at “{context}”: end the variable with "
        "}, or write {{ for a brace."
    )


def _lone_closing(source: str, start: int) -> str:
    context = source[max(0, start + 1 - _CONTEXT_CHARACTERS) : start + 1]
    return (
        f"The template has a “}}” that closes no variable, at “{context}”: write }}}} for a brace."
    )

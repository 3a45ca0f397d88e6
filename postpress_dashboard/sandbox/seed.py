"""Deterministic demo data: the same accounts and invitations on every run and every reset."""

import random
import string
import unicodedata
from datetime import UTC, datetime, timedelta

from postpress_dashboard.sandbox.models import Account, Person, ReceivedInvitation

SEED = 20260512
# A fixed "now" so dates never drift between runs.
SEEDED_AT = datetime(2026, 5, 19, 17, 30, tzinfo=UTC)

LINKEDIN_ACCOUNT_ID = "acc_linkedin_demo"
INSTAGRAM_ACCOUNT_ID = "acc_instagram_demo"
WHATSAPP_ACCOUNT_ID = "acc_whatsapp_demo"
TELEGRAM_ACCOUNT_ID = "acc_telegram_demo"

# Instagram users a demo can invite by username and then withdraw by provider_id (README): the
# sandbox resolves these usernames to these ids. Any other username stands for a made-up user
# (invitations.instagram_user_id).
INSTAGRAM_DIRECTORY = {
    "marta.builds": "57770543173",
    "jordan.makes": "48151623420",
    "kenji.draws": "61223907145",
}

LINKEDIN_INVITATION_COUNT = 125  # including the error rows below
INSTAGRAM_INVITATION_COUNT = 15
# Rows whose id carries an error trigger (see triggers.py), placed on the first page so a
# browser demo shows an error when accepting or declining them.
LINKEDIN_ERROR_ROWS = {2: "inv_err_provider_error_", 5: "inv_err_too_many_requests_"}

# fmt: off
FIRST_NAMES = (
    "Amara", "Lukas", "Sofia", "Kenji", "Priya", "Mateo", "Chloé", "Oluwaseun", "Ingrid",
    "Rahul", "Zoë", "Tomasz", "Aisha", "Diego", "Hannah", "Wei", "Fatima", "Jonas", "Elena",
    "Kwame", "Marta", "Noah", "Yuki", "Camille", "Arjun", "Léa", "Mohammed", "Freya", "Carlos",
    "Nadia", "Ethan", "Sipho", "Ana", "Björn", "Mei", "Gabriel", "Isabela", "Omar", "Saoirse",
    "Thanh", "Emeka", "Ines", "Dmitri", "Lina", "Rafael", "Aroha", "Maya", "Łukasz", "Nia",
)
LAST_NAMES = (
    "Okafor", "Schneider", "Rossi", "Tanaka", "Sharma", "García", "Dubois", "Adeyemi",
    "Johansson", "Mehta", "Clarke", "Nowak", "Rahman", "Fernández", "Müller", "Zhang", "Haddad",
    "Berg", "Popescu", "Mensah", "Kowalczyk", "Brown", "Sato", "Lefèvre", "Iyer", "Moreau",
    "Al-Sayed", "Lindqvist", "Santos", "Petrova", "Walsh", "Dlamini", "Costa", "Nguyen", "Chen",
    "Silva", "Hassan", "O'Connor", "Tran", "Eze", "Ribeiro", "Volkov", "Kaur", "Novak",
)
ROLES = (
    "Head of Growth", "Senior Product Manager", "Talent Acquisition Partner", "Founder & CEO",
    "Staff Software Engineer", "VP of Sales", "Marketing Director", "Data Scientist",
    "Account Executive", "UX Researcher", "Engineering Manager", "Recruiter",
    "Customer Success Lead", "CTO", "Partnerships Manager", "Product Designer",
    "Business Development Representative", "Chief of Staff", "DevRel Engineer",
    "Operations Manager",
)
COMPANIES = (
    "Northwind Labs", "Helio Energy", "Kestrel Analytics", "Bluefin Health", "Tessellate",
    "Quarry & Co", "Lumen Robotics", "Parcelwise", "Oakridge Capital", "Fernweh Travel",
    "Brightloop", "Cobalt Security", "Meridian Logistics", "Sprout Foods", "Atlas Mobility",
    "Verdant Bio", "Harbor Payments", "Pinecone Studio", "Ridgeline AI", "Solace Insurance",
)
NOTES = (
    "Hi {owner}, I enjoyed your post on onboarding flows. Would love to connect.",
    "Hello {owner}! We met at SaaStock last year. Let's stay in touch.",
    "Hi {owner}, I'm building a team in your area and would value your perspective.",
    "Saw your talk on developer experience - great insights. Happy to connect!",
    "Hi {owner}, we have a few mutual connections in B2B SaaS. Let's connect.",
    "Hey {owner}, I lead partnerships at {company} and think we could collaborate.",
    "Hello! I'm researching how small teams handle outreach. Could I ask you a few questions?",
    "Hi {owner}, congrats on the launch 🎉 Would be great to connect.",
    "Following your work for a while. Would love to swap notes on hiring.",
    "Hi {owner}, a friend at {company} recommended I reach out.",
    "Bonjour {owner} ! Ravie de vous rencontrer au salon VivaTech, restons en contact.",
    "We're both in the postpress community - connecting with folks who care about outreach.",
    "Hi {owner}, quick one: are you hiring for design? I'd love to be on your radar.",
    "Hi {owner}, I run the growth meetup at {company}. We're planning a session on respectful "
    "outreach at scale and your recent thread on reply rates was the best thing I read on the "
    "topic this year. Would you be open to speaking, or at least connecting? Thanks!",
)
NOTE_PROBABILITY = 0.65  # LinkedIn invitations often come without a note
INSTAGRAM_BIOS = (
    "Coffee, code and climbing ☕🧗",
    "Designer · Lisbon",
    "Photography and slow travel",
    "Founder @ a tiny bakery 🥐",
    "Marketing for good causes",
    "Runner. Reader. Recovering perfectionist.",
)
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# fmt: on

ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Letters NFKD does not split into an ASCII base letter and an accent.
_UNDECOMPOSABLE_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss"})
# No "_" in generated ids, so they can never contain an "err_" trigger by chance.
LINKEDIN_ID_ALPHABET = string.ascii_letters + string.digits + "-"


def seed_accounts(
    *, invitation_limit: int, linkedin_invitations: int = LINKEDIN_INVITATION_COUNT
) -> dict[str, Account]:
    rng = random.Random(SEED)  # noqa: S311  (repeatable demo data, not secrets)
    accounts = [
        _linkedin_account(rng, invitation_limit, linkedin_invitations),
        _instagram_account(rng, invitation_limit),
        Account(
            WHATSAPP_ACCOUNT_ID,
            "WHATSAPP",
            Person("Ada Lovelace", "33612345678@s.whatsapp.net", "+33 6 12 34 56 78", ""),
            invitation_limit,
        ),
        Account(
            TELEGRAM_ACCOUNT_ID,
            "TELEGRAM",
            Person("Ada Lovelace", "5550123987", "ada_lovelace", ""),
            invitation_limit,
        ),
    ]
    return {account.id: account for account in accounts}


def _linkedin_account(rng: random.Random, invitation_limit: int, count: int) -> Account:
    owner = Person(
        name="Ada Lovelace",
        provider_id="ACoAAAda" + _token(rng, LINKEDIN_ID_ALPHABET, 30),
        public_id="ada-lovelace",
        description="Founder at postpress",
    )
    times = _descending_times(rng, count)
    secrets: set[str] = set()
    invitations = []
    for index, sent_at in enumerate(times):
        prefix = LINKEDIN_ERROR_ROWS.get(index, "inv_")
        sender = _linkedin_person(rng)
        invitations.append(
            ReceivedInvitation(
                id=prefix + _token(rng, ULID_ALPHABET, 26),
                sender=sender,
                sent_at=sent_at,
                raw_date=_raw_date(sent_at),
                note=_note(rng, owner, sender),
                shared_secret=_unique_secret(rng, secrets),
            )
        )
    return Account(LINKEDIN_ACCOUNT_ID, "LINKEDIN", owner, invitation_limit, invitations)


def _instagram_account(rng: random.Random, invitation_limit: int) -> Account:
    owner = Person(
        name="postpress studio",
        provider_id=_token(rng, string.digits, 11),
        public_id="postpress.studio",
        description="Outreach tools for small teams",
    )
    invitations = [
        ReceivedInvitation(
            id="inv_" + _token(rng, ULID_ALPHABET, 26),
            sender=_instagram_person(rng),
            sent_at=sent_at,
            raw_date=_raw_date(sent_at),
            note="",  # Instagram follow requests carry no note
            shared_secret=None,
        )
        for sent_at in _descending_times(rng, INSTAGRAM_INVITATION_COUNT)
    ]
    return Account(INSTAGRAM_ACCOUNT_ID, "INSTAGRAM", owner, invitation_limit, invitations)


def _linkedin_person(rng: random.Random) -> Person:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    public_id = _slug(name)
    if rng.random() < 0.6:  # most LinkedIn vanity URLs carry a disambiguating suffix
        public_id += "-" + _token(rng, "0123456789abcdef", 8)
    return Person(
        name=name,
        provider_id="ACoAA" + _token(rng, LINKEDIN_ID_ALPHABET, 34),
        public_id=public_id,
        description=f"{rng.choice(ROLES)} at {rng.choice(COMPANIES)}",
    )


def _instagram_person(rng: random.Random) -> Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    username = f"{_slug(first)}.{_slug(last)}".replace("-", "")
    return Person(
        name=f"{first} {last}",
        provider_id=_token(rng, string.digits, 11),
        public_id=username + str(rng.randint(1, 99)),
        description=rng.choice(INSTAGRAM_BIOS),
    )


def _note(rng: random.Random, owner: Person, sender: Person) -> str:
    if rng.random() > NOTE_PROBABILITY:
        return ""
    company = sender.description.rpartition(" at ")[2]
    return rng.choice(NOTES).format(owner=owner.name.split()[0], company=company)


def _descending_times(rng: random.Random, count: int) -> list[datetime]:
    """Times going back from SEEDED_AT, newest first, between 20 minutes and 20 hours apart."""
    times, current = [], SEEDED_AT
    for _ in range(count):
        current -= timedelta(minutes=rng.randint(20, 20 * 60))
        times.append(current.replace(second=0))
    return times


def _raw_date(moment: datetime) -> str:
    """The provider's display format, e.g. "May 12, 2026" (locale-independent)."""
    return f"{MONTH_NAMES[moment.month - 1]} {moment.day}, {moment.year}"


def _unique_secret(rng: random.Random, issued: set[str]) -> str:
    while (secret := "AQH" + _token(rng, LINKEDIN_ID_ALPHABET, 40)) in issued:
        pass
    issued.add(secret)
    return secret


def _token(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choices(alphabet, k=length))


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.translate(_UNDECOMPOSABLE_LETTERS))
    ascii_name = folded.encode("ascii", "ignore").decode()
    words = "".join(char if char.isalnum() else " " for char in ascii_name.lower()).split()
    return "-".join(words)

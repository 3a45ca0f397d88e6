"""Django's database sessions, with the session read in SQL written out: every signed-in
request reads it, and the ORM spent longer building that one-line query than the database
spent answering it (core/rawsql.py). Writing, expiry and everything else are Django's."""

from typing import Any

from django.contrib.sessions.backends import db
from django.utils import timezone

from postpress_dashboard.core import rawsql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        session = self.model
        key = self.session_key or ""
        if not (key.isascii() and key.isalnum()):  # never one Django made (a NUL fails PostgreSQL)
            self._session_key = None
            return None
        sql = (
            f"SELECT {rawsql.column(session, 'session_data')} FROM {rawsql.table(session)}"  # noqa: S608 (names from the model, quoted; values are parameters)
            f" WHERE {rawsql.column(session, 'session_key')} = %s"
            f" AND {rawsql.column(session, 'expire_date')} > %s"
        )
        now = rawsql.db_value(session, "expire_date", timezone.now())
        rows = rawsql.fetch(sql, [self.session_key, now])
        if not rows:  # none, or expired: a new session, as Django's own store does
            self._session_key = None
            return None
        return session(session_key=self.session_key, session_data=rows[0][0])

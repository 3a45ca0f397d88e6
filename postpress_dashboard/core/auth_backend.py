"""Django's ModelBackend, with the signed-in user read in SQL written out: every signed-in
request reads it (core/rawsql.py says why). Signing in, permissions and everything else are
ModelBackend's.

Django's own ModelBackend stays listed after this one (settings.AUTHENTICATION_BACKENDS) for
the sessions signed in before it was added, which name it: they stay signed in. Only this one
checks passwords: a wrong one ends the sign-in here rather than being hashed a second time.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection

from postpress_dashboard.core import rawsql


class ModelBackend(DjangoModelBackend):
    def authenticate(
        self, request: Any, username: Any = None, password: Any = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            raise PermissionDenied  # the same check as the next backend's: not twice
        return user

    def get_user(self, user_id: Any) -> Any:
        users = rawsql.Columns(get_user_model(), "account_user")
        sql = (
            f"SELECT {users.select()} FROM {rawsql.table(users.model)} account_user"  # noqa: S608 (names from the model, quoted; values are parameters)
            f" WHERE account_user.{connection.ops.quote_name(users.model._meta.pk.column)} = %s"
        )
        rows = rawsql.fetch(sql, [user_id])  # django.contrib.auth made it the pk's type
        if not rows:
            return None
        user = users.load(rows[0])
        return user if self.user_can_authenticate(user) else None

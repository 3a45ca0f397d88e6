"""The dashboard's 400 and 413 pages: what went wrong with a request, in words, in the layout."""

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.csrf import requires_csrf_token


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{number_format(size / (1024 * 1024), 1)} MB"
    return f"{math.ceil(size / 1024)} KB" if size >= 1024 else f"{size} bytes"


def too_large_response(request: HttpRequest, *, upload: str = "") -> HttpResponse:
    """413: the body is over what the page takes (a form's fields, a chat's files, or the
    recipients file of the upload view named `upload`)."""
    if upload.startswith("campaigns:"):
        limit = _size(settings.CAMPAIGN_MAX_FILE_BYTES)
        problem = (
            f"The recipients file is larger than {limit}, the most a campaign takes. Go back "
            "and split it into several campaigns."
        )
    elif upload:
        limit = _size(settings.CHAT_UPLOAD_MAX_REQUEST_BYTES)
        problem = (
            f"The files together are larger than {limit}, the most one chat may carry. "
            "Go back and send fewer or smaller files."
        )
    else:
        limit = _size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        problem = (
            f"What you sent is larger than {limit}, the most a form here takes. "
            "Go back, shorten it and send it again. Files go only with a new chat."
        )
    return render(request, "413.html", {"problem": problem}, status=413)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's refusals of a request body, each in its own words."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    if isinstance(exception, TooManyFieldsSent):
        most = number_format(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, force_grouping=True)
        problem = f"The form sent more than {most} fields, more than the dashboard accepts."
    elif isinstance(exception, TooManyFilesSent):
        most = number_format(settings.DATA_UPLOAD_MAX_NUMBER_FILES, force_grouping=True)
        problem = f"The form sent more than {most} files, more than the dashboard accepts."
    elif isinstance(exception, MultiPartParserError):
        problem = (
            "The form's data could not be read: a part of it is malformed, or its header is "
            "too long."
        )
    else:
        problem = "The dashboard could not understand this request."
    return render(request, "400.html", {"problem": problem}, status=400)

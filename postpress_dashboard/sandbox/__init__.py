"""A local postpress-compatible API: for the demo, for development, and as a verified fake in tests.

It is a plain WSGI application served in its own process (`python manage.py run_sandbox`)
or in a background thread (`server.running_sandbox()`), never through Django's URLconf.
"""

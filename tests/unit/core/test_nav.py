"""The top bar's URLs, resolved once per process, are the URLs their names resolve to."""

from django.urls import reverse, set_script_prefix

from postpress_dashboard.core.nav import NAV_URL_NAMES, _nav_urls, nav_urls


def test_each_link_is_its_url_name_resolved() -> None:
    assert nav_urls() == {key: reverse(name) for key, name in NAV_URL_NAMES.items()}


def test_another_script_prefix_gets_its_own_urls() -> None:
    plain = nav_urls()["inbox"]
    set_script_prefix("/dashboard/")
    try:
        assert nav_urls()["inbox"] == "/dashboard" + plain
    finally:
        set_script_prefix("/")


def test_the_cache_keeps_a_few_script_prefixes_only() -> None:
    try:
        for number in range(50):
            set_script_prefix(f"/prefix-{number}/")
            nav_urls()
    finally:
        set_script_prefix("/")
    assert _nav_urls.cache_info().currsize <= 8

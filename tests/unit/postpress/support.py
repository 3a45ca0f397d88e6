"""Constants shared by the client's unit tests."""

from postpress_dashboard.postpress.base_url import HostPolicy

HOST = "https://api.example.test"
BASE_URL = f"{HOST}/api/v1"
API_KEY = "pp_test_secret_key"
ACCOUNT_ID = "acc_linkedin_01HXYZ4QK3WJ8FN3M6QH7TZ8GR"
INVITATION_ID = "inv_01HXYZ4QK3WJ8FN3M6QH7TZ8GR"

# Where the tests' clients may send the key: the stubbed API and a local port over plain http.
HOST_POLICY = HostPolicy.of(["api.example.test", "127.0.0.1"], allow_loopback_http=True)

"""Constants shared by the client's unit tests."""

HOST = "https://api.example.test"
BASE_URL = f"{HOST}/api/v1"
API_KEY = "pp_test_secret_key"
ACCOUNT_ID = "acc_linkedin_01HXYZ4QK3WJ8FN3M6QH7TZ8GR"
INVITATION_ID = "inv_01HXYZ4QK3WJ8FN3M6QH7TZ8GR"

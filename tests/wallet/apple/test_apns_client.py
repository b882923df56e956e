"""The APNs client over a kept connection: one that APNs closed meanwhile is replaced and the push sent again, once;
a push APNs did not answer in time is left to the caller's retry."""

import httpx
import pytest

from stampcard.wallet.apple.apns import ApnsClient

TOKEN = "0a" * 32


def client_answering(*answers):
    """An ApnsClient whose requests get ``answers`` in turn (an exception is raised, a status answered)."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        answer = answers[len(calls) - 1]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    http = httpx.Client(base_url="https://apns.test", transport=httpx.MockTransport(handler))
    return ApnsClient(http, topic="pass.test.stampcard.card"), calls


@pytest.mark.parametrize(
    "lost",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("EOF occurred in violation of protocol"),
        httpx.WriteError("Broken pipe"),
    ],
)
def test_a_connection_apns_closed_meanwhile_is_replaced_and_the_push_goes_again_once(lost):
    client, calls = client_answering(lost, 200)

    result = client.push(TOKEN)

    assert (result.ok, len(calls)) == (True, 2)


def test_a_connection_lost_twice_in_a_row_is_an_unanswered_push_for_the_retry():
    client, calls = client_answering(httpx.ReadError("reset"), httpx.ReadError("reset again"))

    result = client.push(TOKEN)

    assert (result.status, result.retry, len(calls)) == (0, True, 2)


def test_a_push_apns_did_not_answer_in_time_is_not_sent_again_at_once():
    client, calls = client_answering(httpx.ReadTimeout("timed out"), 200)

    result = client.push(TOKEN)

    assert (result.status, result.retry, len(calls)) == (0, True, 1)

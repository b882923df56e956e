"""Every stand-in listens where it is told (0 = a free port the OS picks) and, when it cannot, says which one."""

import socket

import pytest

from stampcard.sandbox.apns import ApnsStandIn
from stampcard.sandbox.google_wallet import GoogleWalletStandIn, service_account_ensure
from stampcard.sandbox.loopback import StandInCannotListen
from stampcard.sandbox.poster import PosterStandIn


@pytest.fixture(scope="module")
def makers(tmp_path_factory):
    """name -> a function that builds that stand-in on a port."""
    folder = tmp_path_factory.mktemp("stand-ins")
    account = service_account_ensure(folder / "service_account.json")
    return {
        "APNs": lambda port: ApnsStandIn(tls_dir=folder / "apns", port=port),
        "Google Wallet": lambda port: GoogleWalletStandIn(service_account_file=account, issuer_id="1", port=port),
        "Poster": lambda port: PosterStandIn(application_id="1", application_secret="s", port=port),
    }


@pytest.mark.parametrize("name", ["APNs", "Google Wallet", "Poster"])
def test_two_stand_ins_on_port_zero_get_different_free_ports(makers, name):
    with makers[name](0) as first, makers[name](0) as second:
        assert first.port != second.port and 0 not in (first.port, second.port)


@pytest.mark.parametrize("name", ["APNs", "Google Wallet", "Poster"])
def test_a_stand_in_on_a_taken_port_says_which_one_and_where(makers, name):
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        with pytest.raises(StandInCannotListen) as refused:
            makers[name](port)

    assert str(refused.value) == f"the {name} stand-in could not listen on 127.0.0.1:{port}: address in use"
    assert (refused.value.name, refused.value.port, refused.value.reason) == (name, port, "address in use")

"""Two `make run`s on one machine: each demo gets its own APNs, Google Wallet and Poster stand-ins, on ports that
follow its PORT or that its variables name, and a stand-in that cannot listen is reported by name."""

import json
import os
import socket
import subprocess
import sys
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

from stampcard.demo.stand_ins import StandInUnavailable, default_ports, stand_ins_start

ROOT = Path(__file__).resolve().parents[2]
OFFSETS = {"APNS_STANDIN_PORT": 197, "GOOGLE_WALLET_STANDIN_PORT": 790, "POSTER_STANDIN_PORT": 791}


def is_free(port: int) -> bool:
    with closing(socket.socket()) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def a_run_port() -> int:
    """A free port whose stand-in defaults (port + 197, + 790, + 791) are free as well."""
    for _ in range(200):
        with closing(socket.socket()) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port + 800 < 65536 and all(is_free(port + offset) for offset in (0, *OFFSETS.values())):
            return port
    raise RuntimeError("no free run port with free stand-in defaults")


def listens(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


@contextmanager
def taken(port: int = 0):
    """A socket listening on ``port`` (0 = any): another program holding it."""
    holder = socket.create_server(("127.0.0.1", port))
    try:
        yield int(holder.getsockname()[1])
    finally:
        holder.close()


@pytest.fixture
def dev_settings(settings, tmp_path):
    """The dev settings of a fresh checkout in tmp_path: APNs, Google Wallet and Poster point at their stand-ins."""
    settings.VAR_DIR = tmp_path
    settings.APPLE_WALLET = {**settings.APPLE_WALLET, "PASS_CERT": "", "PASS_P12": "", "APNS_KEY": "",
                             "VAR_DIR": tmp_path / "apple_wallet", "APNS_URL": "https://127.0.0.1:8197"}  # fmt: skip
    settings.APNS_STANDIN_PORT = 8197
    settings.GOOGLE_WALLET_STANDIN_PORT = 8790
    settings.GOOGLE_WALLET_API_URL = "http://127.0.0.1:8790/walletobjects/v1"
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(tmp_path / "google_wallet" / "service_account.json")
    settings.POSTER_STANDIN_PORT = 8791
    settings.POSTER_API_URL = "http://127.0.0.1:8791/api"
    return settings


@contextmanager
def demo_stand_ins(**kwargs):
    stand_ins = stand_ins_start(**kwargs)
    try:
        yield stand_ins
    finally:
        stand_ins.stop()


def test_two_demos_on_different_ports_each_get_their_own_three_stand_ins(dev_settings):
    first_port, second_port = a_run_port(), a_run_port()
    first_url, second_url = f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"

    with (
        demo_stand_ins(run_port=first_port, base_url=first_url, environ={}) as first,
        demo_stand_ins(run_port=second_port, base_url=second_url, environ={}) as second,
    ):
        ports = [stand_in.port for stand_in in first.running + second.running]
        assert len(ports) == len(set(ports)) == 6
        assert all(listens(port) for port in ports)
        for demo in (first, second):
            poster = demo.settings["POSTER_API_URL"].removesuffix("/api")
            assert demo.settings["POSTER_API_URL"] == f"http://127.0.0.1:{demo.env()['POSTER_STANDIN_PORT']}/api"
            assert httpx.get(f"{poster}/pos/_config", params={"account": "demo-coffee"}).json()["account"]
            keys = httpx.get(demo.settings["GOOGLE_WALLET_CALLBACK_KEYS_URL"]).json()
            assert keys["keys"][0]["protocolVersion"] == "ECv2SigningOnly"
            assert demo.settings["APPLE_WALLET"]["APNS_URL"] == f"https://127.0.0.1:{demo.env()['APNS_STANDIN_PORT']}"
        assert first.env() != second.env()
    assert not any(listens(port) for port in ports)


def test_the_stand_in_ports_follow_port_and_are_printed_with_their_variables(dev_settings):
    port = a_run_port()

    with demo_stand_ins(run_port=port, base_url=f"http://127.0.0.1:{port}", environ={}) as stand_ins:
        assert stand_ins.env() == {name: str(port + offset) for name, offset in OFFSETS.items()}
        assert default_ports(port) == {name: port + offset for name, offset in OFFSETS.items()}
        printed = "\n".join(stand_ins.lines())
    for name, offset in OFFSETS.items():
        assert f":{port + offset}   ({name})" in printed


def test_ports_named_in_the_environment_win_and_zero_means_any_free_port(dev_settings):
    port, wanted = a_run_port(), a_run_port()
    environ = {"APNS_STANDIN_PORT": str(wanted), "GOOGLE_WALLET_STANDIN_PORT": "0"}

    with demo_stand_ins(run_port=port, base_url="http://127.0.0.1:1", environ=environ) as stand_ins:
        env = stand_ins.env()
        assert env["APNS_STANDIN_PORT"] == str(wanted)
        assert env["GOOGLE_WALLET_STANDIN_PORT"] not in ("0", str(port + 790)) and listens(
            int(env["GOOGLE_WALLET_STANDIN_PORT"])
        )
        assert env["POSTER_STANDIN_PORT"] == str(port + 791)


def test_a_taken_port_named_in_the_environment_is_reported_by_name_and_nothing_is_left_running(dev_settings):
    port = a_run_port()

    with taken() as held, pytest.raises(StandInUnavailable) as refused:
        stand_ins_start(run_port=port, base_url="http://127.0.0.1:1", environ={"POSTER_STANDIN_PORT": str(held)})

    assert str(refused.value) == (
        f"the Poster stand-in could not listen on 127.0.0.1:{held}: address in use; "
        "set POSTER_STANDIN_PORT to a free port (0 = any)"
    )
    assert is_free(port + 197) and is_free(port + 790)  # the APNs and Google Wallet stand-ins were stopped


def test_a_taken_default_port_gives_way_to_a_free_one_and_says_so(dev_settings):
    port = a_run_port()

    with taken(port + 197), demo_stand_ins(run_port=port, base_url="http://127.0.0.1:1", environ={}) as stand_ins:
        apns_port = int(stand_ins.env()["APNS_STANDIN_PORT"])
        assert apns_port != port + 197 and listens(apns_port)
        assert f"its default {port + 197} is taken: address in use" in "\n".join(stand_ins.lines())


def test_a_service_the_settings_point_elsewhere_gets_no_stand_in(dev_settings):
    dev_settings.GOOGLE_WALLET_API_URL = "https://walletobjects.googleapis.com/walletobjects/v1"
    port = a_run_port()

    with demo_stand_ins(run_port=port, base_url="http://127.0.0.1:1", environ={}) as stand_ins:
        assert "GOOGLE_WALLET_STANDIN_PORT" not in stand_ins.env()
        assert "GOOGLE_WALLET_API_URL" not in stand_ins.settings
        assert not listens(port + 790)


def settings_of_a_child(**env: str) -> dict[str, str]:
    """The stand-in URLs a web server or worker started with ``env`` derives (a fresh interpreter, like theirs)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("APPLE_", "APNS_", "GOOGLE_", "POSTER_"))}
    clean.pop("PORT", None)
    code = (
        "import json, config.settings as s; print(json.dumps({'apns': s.APPLE_WALLET['APNS_URL'], "
        "'google': s.GOOGLE_WALLET_API_URL, 'poster': s.POSTER_API_URL}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


def test_a_child_process_derives_the_stand_in_urls_from_port_and_the_variables(tmp_path):
    var = str(tmp_path)

    assert settings_of_a_child(PORT="8100", STAMPCARD_VAR_DIR=var) == {
        "apns": "https://127.0.0.1:8297",
        "google": "http://127.0.0.1:8890/walletobjects/v1",
        "poster": "http://127.0.0.1:8891/api",
    }
    assert settings_of_a_child(
        PORT="8100", STAMPCARD_VAR_DIR=var, APNS_STANDIN_PORT="40001", GOOGLE_WALLET_STANDIN_PORT="40002",
        POSTER_STANDIN_PORT="40003",
    ) == {
        "apns": "https://127.0.0.1:40001",
        "google": "http://127.0.0.1:40002/walletobjects/v1",
        "poster": "http://127.0.0.1:40003/api",
    }  # fmt: skip


def test_the_demo_command_names_the_stand_in_whose_port_is_taken_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "APNS_URL")}
    with taken() as held:
        env.update(STAMPCARD_VAR_DIR=str(tmp_path), PORT=str(a_run_port()), DATABASE_URL="",
                   APNS_STANDIN_PORT=str(held))  # fmt: skip
        out = subprocess.run(
            [sys.executable, "manage.py", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    assert out.returncode == 1
    assert f"the APNs stand-in could not listen on 127.0.0.1:{held}: address in use; set APNS_STANDIN_PORT" in (
        out.stderr
    )
    assert "Traceback" not in out.stderr

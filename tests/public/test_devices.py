import pytest

from stampcard.public.devices import WalletChoice, wallet_choice

UAS = {
    "iphone safari": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        WalletChoice.APPLE,
    ),
    "iphone chrome": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
        WalletChoice.APPLE,
    ),
    "ipad": (
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 "
        "Mobile/15E148 Safari/604.1",
        WalletChoice.APPLE,
    ),
    "macos safari (and iPadOS desktop mode)": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
        "Safari/605.1.15",
        WalletChoice.APPLE,
    ),
    "macos chrome": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        WalletChoice.BOTH,
    ),
    "macos firefox": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
        WalletChoice.BOTH,
    ),
    "android chrome": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Mobile Safari/537.36",
        WalletChoice.GOOGLE,
    ),
    "android samsung internet": (
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
        WalletChoice.GOOGLE,
    ),
    "android firefox": (
        "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
        WalletChoice.GOOGLE,
    ),
    "windows chrome": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
        "Safari/537.36",
        WalletChoice.BOTH,
    ),
    "linux firefox": ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", WalletChoice.BOTH),
    "no user agent": ("", WalletChoice.BOTH),
}


@pytest.mark.parametrize(("user_agent", "expected"), list(UAS.values()), ids=list(UAS))
def test_the_device_decides_the_wallet_button(user_agent, expected):
    assert wallet_choice(user_agent) == expected


def test_a_missing_user_agent_shows_both():
    assert wallet_choice(None) == WalletChoice.BOTH

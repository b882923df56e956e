"""Which wallet button a device gets, read from its User-Agent.

Apple Wallet on iPhone, iPad and iPod (every iOS browser hands a .pkpass to Wallet) and on Safari for macOS (which
also covers iPadOS in its default "desktop" mode, which announces itself as a Mac); Google Wallet on Android;
both where we cannot tell, so nobody is left without a button.
"""

import enum
import re


class WalletChoice(enum.StrEnum):
    APPLE = "apple"
    GOOGLE = "google"
    BOTH = "both"


_IOS = re.compile(r"\b(iPhone|iPad|iPod)\b")
_ANDROID = re.compile(r"\bAndroid\b", re.IGNORECASE)
_MAC = re.compile(r"\bMacintosh\b|\bMac OS X\b")
# Browsers on macOS that are not Safari although their User-Agent says "Safari" for compatibility.
_NOT_SAFARI = re.compile(r"Chrome/|Chromium/|CriOS/|Edg/|EdgA?/|OPR/|Opera|Firefox/|FxiOS/|YaBrowser/|Vivaldi/")


def wallet_choice(user_agent: str | None) -> WalletChoice:
    ua = user_agent or ""
    if _IOS.search(ua):
        return WalletChoice.APPLE
    if _ANDROID.search(ua):
        return WalletChoice.GOOGLE
    if _MAC.search(ua) and "Safari/" in ua and not _NOT_SAFARI.search(ua):
        return WalletChoice.APPLE
    return WalletChoice.BOTH

"""Contact details shown to staff half-hidden: enough to tell two same-named customers apart, not enough to copy."""


def mask_email(email: str) -> str:
    """``olena.k@example.com`` -> ``ol•••@example.com``."""
    local, at, domain = (email or "").partition("@")
    if not at:
        return ""
    return f"{local[:2]}•••@{domain}"


def mask_phone(phone: str) -> str:
    """``+380501234567`` -> ``+380•••4567``: the country code and the last four digits."""
    phone = phone or ""
    if len(phone) <= 4:
        return "•" * len(phone)
    return f"{phone[:4]}•••{phone[-4:]}" if len(phone) > 8 else f"•••{phone[-4:]}"


def mask_contact(*, email: str, phone: str) -> str:
    """The masked email, else the masked phone, else empty."""
    return mask_email(email) or mask_phone(phone)

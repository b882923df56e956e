"""Form data for the rewards pages, as a browser would send it."""

from typing import Any


def lottery_post(name: str, prizes: list[dict[str, Any]], *, draw_at: str = "checkout") -> dict[str, str]:
    """The lottery editor's POST: ``prizes`` rows with kind, name, probability (the percentage as typed) and
    optionally daily_cap, total_cap, greeting, voucher_title, voucher_days, DELETE."""
    data = {
        "name": name,
        "draw_at": draw_at,
        "prizes-TOTAL_FORMS": str(len(prizes)),
        "prizes-INITIAL_FORMS": "0",
        "prizes-MIN_NUM_FORMS": "0",
        "prizes-MAX_NUM_FORMS": "24",
    }
    for index, prize in enumerate(prizes):
        for key, value in prize.items():
            if key == "DELETE":
                if value:
                    data[f"prizes-{index}-DELETE"] = "on"
            elif value is not None:
                data[f"prizes-{index}-{key}"] = str(value)
    return data


def prize(kind: str, probability: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name or kind.replace("_", " ").title(), "probability": probability, **extra}

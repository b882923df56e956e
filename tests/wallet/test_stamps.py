"""The stamp strip both wallets draw: its size, what filled stamps and milestones change, the progress bar."""

from stampcard.wallet.stamps import MAX_SLOTS, rgb, stamp_strip

DESIGN = {"background": "#1f2937", "foreground": "#ffffff", "accent": "#fbbf24"}
ACCENT = rgb(DESIGN["accent"])


def strip(**kwargs):
    return stamp_strip(size=(750, 288), **DESIGN, **kwargs)


def accent_share(image) -> float:
    pixels = list(image.get_flattened_data())
    return sum(1 for p in pixels if p == ACCENT) / len(pixels)


def test_the_strip_has_the_size_asked_for():
    assert strip(goal=8, stamps=3).size == (750, 288)


def test_more_stamps_fill_more_of_the_strip_and_stamps_past_the_goal_change_nothing():
    shares = [accent_share(strip(goal=8, stamps=n)) for n in (0, 3, 8, 12)]

    assert shares[0] == 0 < shares[1] < shares[2] == shares[3]


def test_a_milestone_adds_its_ring():
    assert accent_share(strip(goal=9, stamps=0, marks=(3, 6, 9))) > accent_share(strip(goal=9, stamps=0)) == 0


def test_a_goal_too_long_for_stamps_is_a_progress_bar_filled_in_proportion():
    goal = MAX_SLOTS * 2
    quarter, half = accent_share(strip(goal=goal, stamps=goal // 4)), accent_share(strip(goal=goal, stamps=goal // 2))

    assert 1.8 < half / quarter < 2.2

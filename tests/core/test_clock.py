"""``clock.frozen_at``: pins nest, and threads pinning at once and leaving in any order leave the clock unpinned."""

import threading
from datetime import UTC, datetime

from stampcard.core import clock

T1 = datetime(2027, 1, 1, tzinfo=UTC)
T2 = datetime(2027, 2, 1, tzinfo=UTC)


def test_pins_nest():
    with clock.frozen_at(T1):
        with clock.frozen_at(T2):
            assert clock.now() == T2
        assert clock.now() == T1
    assert clock.now() != T1


def test_threads_that_leave_in_another_order_than_they_came_leave_no_pin_behind():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with clock.frozen_at(T1):
            a_in.set()
            b_in.wait(5)
        a_out.set()  # leaves while the second is still pinned

    def second():
        a_in.wait(5)
        with clock.frozen_at(T2):
            b_in.set()
            a_out.wait(5)
            assert clock.now() == T2  # the first one's leaving lifted only its own pin

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert clock._frozen is None and clock.now() not in (T1, T2)

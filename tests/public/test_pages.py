"""The pieces every customer page that lets a phone join reuses (stampcard.public.pages)."""

from urllib.parse import parse_qs, urlsplit

from django.test import RequestFactory

from stampcard.cards import links
from stampcard.public import pages


def test_a_program_colour_that_is_not_hex_falls_back_so_it_cannot_break_out_of_the_style(program):
    program.background_color = "#112233"
    program.foreground_color = "red; } body { display: none"
    program.label_color = ""

    assert pages.program_design(program) == {"background": "#112233", "foreground": "#ffffff", "label": "#fbbf24"}


def test_the_join_page_is_drawn_in_the_program_colours(phone, program):
    program.background_color = "#112233"
    program.save(update_fields=["background_color"])

    html = phone.get(links.join_path(program)).content.decode()

    assert "background: #112233;" in html


def test_a_recovery_code_url_carries_its_recovery_and_a_changed_ticket_carries_none():
    url = pages.recovery_code_url(42, returning=True)
    query = parse_qs(urlsplit(url).query)
    assert query["returning"] == ["1"]

    assert pages.recovery_id_from(RequestFactory().get(url)) == 42
    assert pages.recovery_id_from(RequestFactory().get("/recover/code", {"t": query["t"][0] + "x"})) is None
    assert pages.recovery_id_from(RequestFactory().get("/recover/code")) is None


def test_a_ticket_signed_for_one_page_does_not_open_another():
    ticket = pages.ticket_sign(42, salt="one page")

    assert pages.ticket_read(RequestFactory().get("/", {"t": ticket}), salt="one page") == 42
    assert pages.ticket_read(RequestFactory().get("/", {"t": ticket}), salt="another page") is None

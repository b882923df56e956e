"""Programs from templates, exported as JSON and imported into a new program, checked like a change of rules."""

import pytest

from stampcard.cards.catalogue import TEMPLATES
from stampcard.cards.models import Program, ProgramVersion
from stampcard.cards.transfer import FORMAT, DocumentInvalid, program_export
from stampcard.checkouts.programs import program_create, program_import
from stampcard.merchants.errors import RoleForbidden
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import MerchantFactory
from tests.lottery.helpers import make_lottery, variant


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_each_business_template_makes_a_running_program_with_its_first_version(db, manager, key):
    program = program_create(actor=manager.actor(), fields=TEMPLATES[key].fields())

    assert program.merchant == manager.merchant and program.milestones
    assert ProgramVersion.objects.filter(program=program, number=1).exists()


def test_the_merchants_first_program_becomes_the_default_and_the_next_does_not(db, manager):
    first = program_create(actor=manager.actor(), fields=TEMPLATES["cafe"].fields())
    second = program_create(actor=manager.actor(), fields=TEMPLATES["bakery"].fields())

    assert first.is_default and not second.is_default


def test_export_then_import_gives_an_equal_program(db, manager, program):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])
    program.milestones = [
        {"at": 3, "kind": "lottery", "title": "Spin", "description": "", "lottery_id": str(lottery.pk)},
        {"at": 6, "kind": "voucher", "title": "Cake", "description": "Any", "voucher": {"validity": {"days": 30}}},
    ]
    program.goal, program.stamp_icon, program.label_color = 6, "heart", "#ff00aa"
    program.save()
    document = program_export(program=program)

    copy = program_import(actor=manager.actor(), data=document)

    assert copy.pk != program.pk and program_export(program=copy) == document


def test_an_import_lists_every_problem_with_its_field(db, manager):
    document = {
        "format": FORMAT,
        "version": 1,
        "program": {
            "name": "Broken",
            "background_color": "blue",
            "earning_rule": "per_amount",
            "goal": 8,
            "reward_title": "Tea",
            "surprise": 1,
        },
    }

    with pytest.raises(DocumentInvalid) as caught:
        program_import(actor=manager.actor(), data=document)

    fields = {field for field, _ in caught.value.problems}
    assert {"surprise"} <= fields
    document["program"].pop("surprise")
    with pytest.raises(DocumentInvalid) as caught:
        program_import(actor=manager.actor(), data=document)
    assert {"background_color", "amount_per_stamp"} <= {field for field, _ in caught.value.problems}
    assert not Program.objects.filter(name="Broken").exists()


def test_an_import_naming_another_merchants_lottery_is_refused(db, manager, program):
    elsewhere = make_staff(MerchantFactory(), Role.MANAGER)
    theirs = make_lottery(elsewhere.actor(), [variant("nothing", 1_000_000)])
    program.milestones = [{"at": 4, "kind": "lottery", "title": "Spin", "lottery_id": str(theirs.pk)}]
    document = program_export(program=program)

    with pytest.raises(DocumentInvalid) as caught:
        program_import(actor=manager.actor(), data=document)

    assert caught.value.problems[0][0] == "milestones[0].lottery_id"


@pytest.mark.parametrize("data", [None, [], {"format": "other"}, {"format": FORMAT, "version": 99, "program": {}}])
def test_a_file_that_is_no_program_document_is_refused(db, manager, data):
    with pytest.raises(DocumentInvalid):
        program_import(actor=manager.actor(), data=data)


def test_a_cashier_may_not_create_or_import_programs(db, cashier, program):
    with pytest.raises(RoleForbidden):
        program_create(actor=cashier.actor(), fields=TEMPLATES["cafe"].fields())
    with pytest.raises(RoleForbidden):
        program_import(actor=cashier.actor(), data=program_export(program=program))

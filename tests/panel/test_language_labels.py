"""Per-language fields read as one sentence in the reader's language: a Ukrainian manager sees
"Тема (англійська)", with the language in lower case as Ukrainian writes it inside a label."""

from django.utils import translation

from stampcard.campaigns.automations.kinds import SPECS
from stampcard.panel.automations.forms import AutomationForm
from stampcard.panel.campaigns.forms import CampaignForm


def test_campaign_language_labels_read_in_ukrainian():
    with translation.override("uk"):
        form = CampaignForm()
        assert str(form.fields["subject_en"].label) == "Тема (англійська)"
        assert str(form.fields["wallet_uk"].label).endswith("(українська)")


def test_campaign_language_labels_read_in_english():
    with translation.override("en"):
        assert str(CampaignForm().fields["text_uk"].label) == "Text (Ukrainian)"


def test_automation_language_labels_read_in_ukrainian():
    spec = next(iter(SPECS.values()))
    with translation.override("uk"):
        form = AutomationForm(spec=spec)
        assert str(form.fields["text_en"].label).endswith("(англійська)")

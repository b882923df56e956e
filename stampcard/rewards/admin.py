from django.contrib import admin

from stampcard.rewards.models import Reward


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["title", "card", "state", "created_at", "handed_over_at", "withdrawn_at"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in Reward._meta.fields]

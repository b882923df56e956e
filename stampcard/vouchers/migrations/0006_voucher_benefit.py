"""Vouchers say what they give: a gift (every voucher made before this), a percentage or an amount off the check;
and what a redemption took off the check."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vouchers", "0005_public_token_clear_remove"),
    ]

    operations = [
        migrations.AddField(
            model_name="voucher",
            name="benefit_kind",
            field=models.CharField(
                choices=[
                    ("gift", "A gift or item handed over"),
                    ("percent", "A percentage off the check"),
                    ("amount", "A fixed amount off the check"),
                ],
                default="gift",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="voucher",
            name="benefit_value",
            field=models.PositiveBigIntegerField(
                default=0, help_text="Percent off (1-100), or the amount off in minor units; 0 for a gift."
            ),
        ),
        migrations.AddField(
            model_name="voucher",
            name="redeemed_discount",
            field=models.PositiveBigIntegerField(
                blank=True,
                help_text="What the redemption took off the check, in minor units, when the till said its total.",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="voucher",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("benefit_kind", "gift"), ("benefit_value", 0)),
                    models.Q(("benefit_kind", "percent"), ("benefit_value__gte", 1), ("benefit_value__lte", 100)),
                    models.Q(("benefit_kind", "amount"), ("benefit_value__gte", 1)),
                    _connector="OR",
                ),
                name="voucher_benefit_value_fits_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="voucher",
            constraint=models.CheckConstraint(
                condition=models.Q(("redeemed_discount__isnull", True), ("state", "redeemed"), _connector="OR"),
                name="voucher_discount_only_when_redeemed",
            ),
        ),
    ]

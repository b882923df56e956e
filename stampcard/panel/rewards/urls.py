"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.rewards import counter, lotteries, vouchers

urlpatterns = [
    path("rewards/", vouchers.rewards_page, name="rewards"),
    path("rewards/lotteries/new/", lotteries.lottery_new, name="reward-lottery-new"),
    path("rewards/lotteries/<uuid:lottery_id>/", lotteries.lottery_page, name="reward-lottery"),
    path("rewards/lotteries/<uuid:lottery_id>/edit/", lotteries.lottery_edit, name="reward-lottery-edit"),
    path("rewards/lotteries/<uuid:lottery_id>/active/", lotteries.lottery_active, name="reward-lottery-active"),
    path(
        "rewards/lotteries/<uuid:lottery_id>/draws/<uuid:draw_id>/proof/",
        lotteries.lottery_proof,
        name="reward-lottery-proof",
    ),
    path("rewards/vouchers/new/", vouchers.voucher_new, name="reward-voucher-new"),
    path("rewards/vouchers/customers/", vouchers.customer_search, name="reward-voucher-customers"),
    path("rewards/vouchers/<uuid:voucher_id>/cancel/", vouchers.voucher_cancel, name="reward-voucher-cancel"),
    path("rewards/batches/new/", vouchers.batch_new, name="reward-batch-new"),
    path("rewards/batches/<uuid:batch_id>/", vouchers.batch_page, name="reward-batch"),
    path("rewards/batches/<uuid:batch_id>/vouchers.pdf", vouchers.batch_pdf, name="reward-batch-pdf"),
    path("counter/", counter.counter_page, name="counter"),
    path("counter/redeem/", counter.counter_redeem, name="counter-redeem"),
    path("counter/hand-over/", counter.counter_hand_over, name="counter-hand-over"),
    path("counter/stamp/", counter.counter_stamp, name="counter-stamp"),
]

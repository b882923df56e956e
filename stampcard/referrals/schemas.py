from ninja import Schema


class ReferralCountsOut(Schema):
    joined: int
    rewarded: int
    refused: int


class CardReferralOut(Schema):
    enabled: bool
    mode: str
    reward_kind: str
    reward_stamps: int | None
    voucher_title: str | None
    code: str | None
    url: str | None
    referrals: ReferralCountsOut
